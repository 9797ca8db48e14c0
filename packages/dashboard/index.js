import { fileURLToPath } from "node:url";

/** The built dashboard (vite build), which the OpenQoD server serves at /dashboard/. */
export const dashboardDist = fileURLToPath(new URL("./dist/", import.meta.url));
