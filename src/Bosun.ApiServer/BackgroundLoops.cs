using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer;

/// <summary>Owns the server's long-running loops: starts them, restarts none, and stops and awaits all on dispose.</summary>
internal sealed partial class BackgroundLoops(ILogger<BackgroundLoops> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private readonly List<Task> tasks = [];

    public void Start(string name, Func<CancellationToken, Task> loop)
    {
        tasks.Add(Task.Run(async () =>
        {
            try
            {
                await loop(stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                Log.LoopFailed(logger, name, e);
            }
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await Task.WhenAll(tasks);
        stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Background loop {Loop} failed")]
        public static partial void LoopFailed(ILogger logger, string loop, Exception e);
    }
}
