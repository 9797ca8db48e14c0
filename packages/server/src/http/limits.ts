/** How big a request may be: the numbers the front door enforces and its error messages quote. */

/** Session requests are small; a larger body is a mistake or an attack: 413. */
export const BODY_LIMIT = 64 * 1024;

/** The longest valid path parameter is a QoS profile name (CAMARA: at most 256 characters); longer is 414. */
export const MAX_PARAM_LENGTH = 256;

/** Node's default for the request line and headers together; beyond it Node's parser gives up (414 or 431). */
export const MAX_HEADER_SIZE = 16 * 1024;
