namespace Bosun.Scheduler.Framework;

/// <summary>
/// Data one scheduling cycle's plugins share between extension points (PreFilter computes, Filter and Score read),
/// keyed by plugin name. One per pod per cycle; never shared between cycles.
/// </summary>
public sealed class CycleState
{
    private readonly Dictionary<string, object> data = [];

    public void Write(string key, object value) => data[key] = value;

    public T? Read<T>(string key) where T : class => data.TryGetValue(key, out var v) ? v as T : null;
}
