// Bosun.Api: wire-level helpers shared by the API server and every client (selectors, validation, JSON settings). No I/O.
