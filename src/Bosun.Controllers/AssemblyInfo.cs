// Bosun.Controllers: the controller manager's controllers. Each is a client of the API (Bosun.Client), never of storage.
