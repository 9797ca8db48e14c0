import { spawnSync } from "node:child_process";
import { labSupport } from "../../src/lab/index.ts";

/**
 * Why the tests of a real lab cannot run here (false: they can). Needs root, namespaces and the given
 * programs. With OPENQOD_TEST_REQUIRE_NETNS=1 (CI) a reason is a failure instead, thrown at load.
 */
export function labSkip(programs: readonly string[] = []): string | false {
  const reason =
    labSupport() ??
    programs
      .filter((program) => spawnSync(program, ["-V"], { stdio: "ignore" }).error !== undefined)
      .map((program) => `\`${program}\` is not installed`)[0] ??
    null;
  if (reason === null) return false;
  if (process.env.OPENQOD_TEST_REQUIRE_NETNS === "1") {
    throw new Error(`OPENQOD_TEST_REQUIRE_NETNS=1 but the lab cannot run: ${reason}`);
  }
  return reason;
}
