namespace Bosun.Scheduler.Framework;

/// <summary>Every plugin has a name, used in configuration, cycle state keys and logs.</summary>
public interface IPlugin
{
    string Name { get; }
}
