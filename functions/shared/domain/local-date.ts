import * as z from 'zod/mini';
import './zod-locale.ts';

/** A calendar date in the campaign's time zone. zod's ISO check also refuses 2027-02-30. */
export const LocalDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });
