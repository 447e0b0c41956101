import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * The schemas use zod/mini (tree-shakeable: about 60 KB less in every Lambda bundle than zod's
 * classic API, and cheaper to build at module load). Unlike the classic API it loads no locale, so
 * the English messages are configured here, once, by the module every schema file imports.
 */
config(en());
