using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary>One private containerd shared by the tests of a collection (start-up and image import take seconds).</summary>
public sealed class SharedContainerd : IAsyncLifetime
{
    public ContainerdFixture Containerd { get; private set; } = null!;

    public async Task InitializeAsync() => Containerd = await ContainerdFixture.StartAsync();

    public async Task DisposeAsync()
    {
        await Containerd.DisposeAsync();
        Assert.True(Containerd.Leftovers.Count == 0, "left on the host: " + string.Join("; ", Containerd.Leftovers));
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerdCollection : ICollectionFixture<SharedContainerd>
{
    public const string Name = "containerd";
}
