// Port names every node shares.

/** Every node has this output: a message its onMessage failed on goes there, with the error (ERROR-1). */
export const ERROR_PORT = "error";
