using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers;

/// <summary>What every controller is built from: the API client, the shared caches, events, logging and the clock.</summary>
public sealed record ControllerContext(ApiClient Api, SharedInformers Informers, EventRecorder Events, ILoggerFactory Loggers, TimeProvider Time);
