/**
 * Testing Library waits at most a second by default for what a test expects to appear (`findBy…`,
 * `waitFor`). A worker's answer on a busy two-core machine can take longer without anything being
 * wrong, so the browser tests wait up to five seconds; a real failure still fails, only later.
 */
import { configure } from '@testing-library/svelte';

configure({ asyncUtilTimeout: 5_000 });
