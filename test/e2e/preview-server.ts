/**
 * Global setup of the end-to-end tests: one `vite preview` of the built app (`npm run test:e2e` builds
 * it first) for the whole run; tests read its address with `inject('previewBaseUrl')`.
 */
import type { TestProject } from 'vitest/node';
import { startPreviewServer } from '../start-preview-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    previewBaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPreviewServer();
  project.provide('previewBaseUrl', server.baseUrl);
  return () => server.stop();
}
