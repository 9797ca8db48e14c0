import { type TestContext, test } from "node:test";

/**
 * Tests that are steps of one procedure, run in order: after a failed step the later ones are skipped
 * (naming it), and a failure's message names its step and the procedure.
 */
export function steps(procedure: string): (name: string, body: () => Promise<void>) => void {
  let failedStep: string | null = null;
  return (name, body) => {
    test(name, { timeout: 10 * 60_000 }, async (t: TestContext) => {
      if (failedStep !== null) {
        t.skip(`skipped: the step "${failedStep}" failed`);
        return;
      }
      try {
        await body();
      } catch (error) {
        failedStep = name;
        if (error instanceof Error) error.message = `${procedure}, step "${name}": ${error.message}`;
        throw error;
      }
    });
  };
}
