namespace Bosun.Bench;

/// <summary>
/// The host network lock the tests take with <c>flock /tmp/bosun-hostnet.lock</c>: .NET opens a file with
/// <see cref="FileShare.None"/> under an exclusive flock(2), so holding this stream excludes those runs and waits for them.
/// </summary>
internal static class HostNetLock
{
    public const string Path = "/tmp/bosun-hostnet.lock";

    public static async Task<FileStream> AcquireAsync()
    {
        var waiting = false;
        while (true)
        {
            try
            {
                return new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                if (!waiting) Console.WriteLine($"  waiting for {Path} (another run uses the host's network)");
                waiting = true;
                await Task.Delay(500);
            }
        }
    }
}
