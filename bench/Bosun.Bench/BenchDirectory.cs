namespace Bosun.Bench;

/// <summary>A scratch directory for benchmark databases, removed afterwards.</summary>
internal sealed class BenchDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("bosun-bench-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
