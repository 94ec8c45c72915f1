using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// One informer per kind for a whole process (client-go's SharedInformerFactory): every controller that reads pods
/// shares one pod cache and one watch. Ask for informers before running the host; the host starts them.
/// </summary>
public sealed class SharedInformers(ApiClient api, ILoggerFactory loggers, TimeProvider time)
{
    private readonly Dictionary<Type, IInformer> informers = [];

    public Informer<T> For<T>() where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (informers)
        {
            if (!informers.TryGetValue(typeof(T), out var informer))
            {
                informer = new Informer<T>(api, loggers.CreateLogger($"Bosun.Client.Informer.{typeof(T).Name}"), time);
                informers[typeof(T)] = informer;
            }
            return (Informer<T>)informer;
        }
    }

    public IReadOnlyList<IInformer> All
    {
        get { lock (informers) return [.. informers.Values]; }
    }
}
