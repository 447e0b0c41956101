/** Placeholder until the HTTP API lands: every route answers 501. */
export const handler = async () => ({ statusCode: 501, body: '{"error":"NotImplemented"}' });
