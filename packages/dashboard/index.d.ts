/** The built dashboard (vite build), which the OpenQoD server serves at /dashboard/. */
export declare const dashboardDist: string;
