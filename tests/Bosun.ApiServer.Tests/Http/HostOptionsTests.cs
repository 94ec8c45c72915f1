using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Bosun.ApiServer.Tests.Http;

public sealed class HostOptionsTests
{
    private static List<FileConfigurationSource> ReloadingFileSources(WebApplicationBuilder builder) =>
        ((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>().Where(s => s.ReloadOnChange).ToList();

    [Fact]
    public void ServerHostOptions_WatchNoConfigurationFileForChanges()
    {
        // The framework default does (appsettings.json under the working directory, watched recursively), which is
        // what this guards against.
        Assert.NotEmpty(ReloadingFileSources(WebApplication.CreateSlimBuilder()));

        var builder = WebApplication.CreateSlimBuilder(ApiServerHost.HostOptions());

        Assert.Empty(ReloadingFileSources(builder));
        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath));
    }

    [Fact]
    public void ServerBuilder_ReadsNoConfigurationFiles()
    {
        var builder = ApiServerHost.CreateBuilder();

        Assert.Empty(((IConfigurationBuilder)builder.Configuration).Sources.OfType<FileConfigurationSource>());
        Assert.Equal(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory), Path.TrimEndingDirectorySeparator(builder.Environment.ContentRootPath));
    }
}
