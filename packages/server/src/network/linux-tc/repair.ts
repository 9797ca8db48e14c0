import {
  addLines,
  DEFAULT_CLASS_TEXT,
  filterLines,
  LINK_CLASS,
  MAX_MINOR,
  MIN_MINOR,
  minorOfPref,
  prefOf,
  ROOT,
  removeFilterLines,
  removeLines,
  rootLines,
  type Way,
} from "./commands.ts";
import type { KernelClass, RootQdisc, TcKernel } from "./kernel.ts";
import { pairs, type TcDirection, type TcPlan } from "./plan.ts";

/** The interfaces OpenQoD shapes, each with the direction its egress carries. */
export type Interfaces = ReadonlyArray<{ way: Way; dev: string; link: number }>;

/** Root qdiscs an interface has by default (or after a plain `tc qdisc add`): OpenQoD's htb replaces them. */
const REPLACEABLE = new Set(["noqueue", "pfifo_fast", "pfifo", "bfifo", "mq", "fq_codel", "fq", "sfq"]);

/** An interface whose root qdisc is someone else's: OpenQoD will not take it over. */
export class ForeignRootError extends Error {}

function isOurs(root: RootQdisc | null): boolean {
  return root?.kind === "htb" && root.handle === ROOT && root.defaultClass === DEFAULT_CLASS_TEXT;
}

async function ensureRoot(kernel: TcKernel, dev: string, link: number): Promise<boolean> {
  const root = await kernel.rootQdisc(dev);
  const ours = isOurs(root);
  if (!ours && root !== null && !REPLACEABLE.has(root.kind)) {
    throw new ForeignRootError(
      `${dev} already has a root qdisc (${root.kind} ${root.handle ?? ""}); OpenQoD shapes with its own root htb ${ROOT} and does not replace another: remove it (tc qdisc del dev ${dev} root) or choose another interface`,
    );
  }
  await kernel.batch(rootLines(dev, link, ours));
  return ours;
}

/** Sets up (or checks and updates the link rate of) OpenQoD's root on every interface. */
export async function setUpRoots(kernel: TcKernel, interfaces: Interfaces): Promise<void> {
  for (const { dev, link } of interfaces) await ensureRoot(kernel, dev, link);
}

const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) <= b * 0.01 + 1_000;

function matches(found: KernelClass | undefined, want: TcDirection): boolean {
  return (
    found !== undefined &&
    near(found.rate, want.rate) &&
    near(found.ceil, want.ceil) &&
    found.prio === want.prio
  );
}

/**
 * Makes OpenQoD's share of each interface hold exactly `plans`, and leaves everything else alone:
 * - its root, link class and class of traffic of no session are set again (a vanished root, a deleted
 *   1:ffff would send that traffic past the link's limit);
 * - a class or filter in OpenQoD's range that no plan has (a session ended while its release was lost,
 *   a create that died before its commit) is removed;
 * - a plan whose class is missing or different (a reboot, someone's `tc class del`), or whose filters
 *   are missing or incomplete, is added again whole.
 * Removals run first with -force (each may already be gone), then each plan's additions in a batch of
 * its own, so one the kernel refuses does not keep the others out.
 * @returns the sessions whose plans the kernel refused: they are not held.
 */
export async function repair(
  kernel: TcKernel,
  interfaces: Interfaces,
  plans: readonly TcPlan[],
): Promise<{ failed: Set<string>; errors: unknown[] }> {
  const failed = new Set<string>();
  const errors: unknown[] = [];
  for (const { way, dev, link } of interfaces) {
    await ensureRoot(kernel, dev, link);
    const classes = new Map<number, KernelClass>();
    /** Minors of classes that are not OpenQoD's (under someone else's class): never added over, never removed. */
    const foreign = new Set<number>();
    for (const c of await kernel.classes(dev)) {
      const minor = Number.parseInt(c.classId.slice(ROOT.length), 16);
      if (c.parent !== LINK_CLASS) foreign.add(minor);
      else if (minor >= MIN_MINOR && minor <= MAX_MINOR) classes.set(minor, c);
    }
    const filters = await kernel.filters(dev);
    const wanted = new Map(plans.map((plan) => [plan.minor, plan]));
    const removals: string[] = [];
    const stale: TcPlan[] = [];
    for (const minor of classes.keys()) if (!wanted.has(minor)) removals.push(...removeLines(dev, minor));
    for (const pref of filters.keys()) {
      const minor = minorOfPref(pref);
      if (minor >= MIN_MINOR && minor <= MAX_MINOR && !wanted.has(minor) && !classes.has(minor)) {
        removals.push(`filter del dev ${dev} parent ${ROOT} pref ${pref}`);
      }
    }
    for (const plan of plans) {
      if (foreign.has(plan.minor)) {
        failed.add(plan.sessionId);
        errors.push(
          new Error(
            `${dev}: class ${ROOT}${plan.minor.toString(16)} of session ${plan.sessionId} is someone else's`,
          ),
        );
        continue;
      }
      if (holds(classes.get(plan.minor), filters, dev, plan, way)) continue;
      removals.push(...(classes.has(plan.minor) ? removeLines : removeFilterLines)(dev, plan.minor));
      stale.push(plan);
    }
    await kernel.batch(removals, { force: true });
    for (const plan of stale) {
      try {
        await kernel.batch(addLines(dev, plan, way, link));
      } catch (error) {
        // Half of it may be in: taken out again, and the session is not held.
        await kernel.batch(removeLines(dev, plan.minor), { force: true });
        failed.add(plan.sessionId);
        errors.push(error);
      }
    }
  }
  return { failed, errors };
}

/** Whether the kernel holds the plan's class as planned and all of its filters. */
function holds(
  found: KernelClass | undefined,
  filters: ReadonlyMap<number, number>,
  dev: string,
  plan: TcPlan,
  way: Way,
): boolean {
  if (!matches(found, plan[way])) return false;
  const lines = filterLines(dev, plan, way);
  return [...new Set(pairs(plan.flow).map((p) => p.family))].every((family) => {
    const pref = prefOf(plan.minor, family);
    return filters.get(pref) === lines.filter((l) => l.includes(` pref ${pref} `)).length;
  });
}
