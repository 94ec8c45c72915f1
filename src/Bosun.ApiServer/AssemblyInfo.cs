// Bosun.ApiServer: the HTTP surface of the cluster and everything behind it (registry, watch, discovery, OpenAPI, tables, security).
