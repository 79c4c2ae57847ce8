export default async function globalTeardown(): Promise<void> {
  const dynamo = (globalThis as { __embeddedDynamo?: { stop(): Promise<void> } }).__embeddedDynamo;
  await dynamo?.stop();
}
