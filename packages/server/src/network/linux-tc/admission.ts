import { ApiError } from "../../errors.ts";
import { DEFAULT_MINOR, DEFAULT_SHARE, LINK_CLASS, ROOT } from "./commands.ts";
import type { KernelClass } from "./kernel.ts";
import { guaranteed, type TcLinks, type TcPlan } from "./plan.ts";
import { formatRate } from "./rate.ts";

/**
 * What the link already guarantees to classes under it, as the kernel holds them: OpenQoD's sessions,
 * and whatever else someone put there (an operator's own class is a promise too). The class of
 * traffic of no session is set aside by DEFAULT_SHARE instead.
 */
export function guaranteedInKernel(classes: readonly KernelClass[]): number {
  const spare = `${ROOT}${DEFAULT_MINOR.toString(16)}`;
  return classes
    .filter((c) => c.parent === LINK_CLASS && c.classId !== spare)
    .reduce((sum, c) => sum + guaranteed({ rate: c.rate ?? 0, ceil: c.ceil ?? 0, prio: 0 }), 0);
}

/**
 * Grants a session only if every guarantee still holds with it: in each direction, what the link
 * already guarantees plus the session's guaranteed rate fit in the link less the share kept for traffic
 * of no session. A guarantee the kernel cannot keep is refused, not granted on paper.
 * @throws ApiError 422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE with the figures.
 */
export function admit(
  planned: Pick<TcPlan, "down" | "up">,
  profileName: string,
  used: { down: number; up: number },
  links: TcLinks,
): void {
  for (const way of ["down", "up"] as const) {
    const link = links[way];
    if (link === null) continue;
    const budget = Math.floor(link * (1 - DEFAULT_SHARE));
    const need = guaranteed(planned[way]);
    if (used[way] + need <= budget) continue;
    throw new ApiError(
      "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
      `${profileName} guarantees ${formatRate(need)} ${way}stream, but only ${formatRate(Math.max(0, budget - used[way]))} of the ${formatRate(budget)} this network guarantees to sessions is free: try again when sessions end, or ask for a smaller profile.`,
    );
  }
}
