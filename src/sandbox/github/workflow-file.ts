import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../version.js';

const EXAMPLES = ['deploy.yml', 'smoke.yml'] as const;

/** The shipped example workflow for a file name: smoke workflows get smoke.yml, every other one deploy.yml. */
export function exampleWorkflowSource(file: string): string {
  const example = /smoke/i.test(file) ? EXAMPLES[1] : EXAMPLES[0];
  return readFileSync(join(projectRoot(), 'examples', 'workflows', example), 'utf8');
}
