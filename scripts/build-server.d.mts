/** True when dist/ was built after the last change to src/, the compiler settings or the build script. */
export function serverBuildIsCurrent(): boolean;
/** Builds dist/ when it is stale (or always with `force`); answers whether it built. Throws with tsc's output on errors. */
export function buildServer(options?: { force?: boolean }): boolean;
