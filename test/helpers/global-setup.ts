import type { TestProject } from 'vitest/node';
import { startMongo } from '../../src/sandbox/mongo-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The MongoDB every test file uses (one database per file: see test/helpers/mongo.ts). */
    mongoUri: string;
  }
}

/** Starts one MongoDB for the whole run and hands its URI to the test files. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mongo = await startMongo({ mongodbUri: process.env.MONGODB_URI });
  const where = mongo.kind === 'external' ? 'MONGODB_URI' : hostOf(mongo.uri);
  process.stdout.write(`[tests] MongoDB: ${mongo.kind} on ${where}\n`);
  project.provide('mongoUri', mongo.uri);
  return () => mongo.stop();
}

function hostOf(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]+)/.exec(uri)?.[1] ?? 'unknown host';
}
