/** Reads a required environment variable; a missing one is a deployment error worth failing loudly on. */
export const getStringFromEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
};
