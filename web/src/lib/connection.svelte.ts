/** Whether the live connection to the server is up: drives the "offline" banner. */
export const connection = $state({ online: true, everConnected: false });
