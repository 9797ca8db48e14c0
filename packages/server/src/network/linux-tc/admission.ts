import { ApiError } from "../../errors.ts";
import { DEFAULT_SHARE } from "./commands.ts";
import { guaranteed, type TcLinks, type TcPlan } from "./plan.ts";
import { formatRate } from "./rate.ts";

/**
 * Grants a session only if every guarantee still holds with it: the guaranteed rates of all sessions,
 * in each direction, fit in the link less the share kept for traffic of no session. A guarantee the
 * kernel cannot keep is refused, not granted on paper.
 * @throws ApiError 422 QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE with the figures.
 */
export function admit(
  planned: Pick<TcPlan, "down" | "up">,
  profileName: string,
  live: readonly Pick<TcPlan, "down" | "up">[],
  links: TcLinks,
): void {
  for (const way of ["down", "up"] as const) {
    const link = links[way];
    if (link === null) continue;
    const budget = Math.floor(link * (1 - DEFAULT_SHARE));
    const used = live.reduce((sum, plan) => sum + guaranteed(plan[way]), 0);
    const need = guaranteed(planned[way]);
    if (used + need <= budget) continue;
    throw new ApiError(
      "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE",
      `${profileName} guarantees ${formatRate(need)} ${way}stream, but only ${formatRate(Math.max(0, budget - used))} of the ${formatRate(budget)} this network guarantees to sessions is free: try again when sessions end, or ask for a smaller profile.`,
    );
  }
}
