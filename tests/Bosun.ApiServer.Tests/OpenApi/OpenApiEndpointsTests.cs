using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Bosun.ApiServer.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Bosun.ApiServer.Tests.OpenApi;

public sealed class OpenApiEndpointsTests : IAsyncLifetime
{
    private WebApplication? _app;
    private HttpClient? _client;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.UseOpenApi(TestResources.Service.Value);
        _app.Run(ctx => { ctx.Response.StatusCode = 418; return Task.CompletedTask; });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetV3Index_Always_ReturnsJsonWithGroupVersions()
    {
        using var response = await _client!.GetAsync("/openapi/v3?timeout=32s");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var index = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.NotNull(index["paths"]!["apis/apps/v1"]!["serverRelativeURL"]);
    }

    [Fact]
    public async Task GetV3Document_MatchingHash_ImmutableWithETagAnd304()
    {
        Assert.True(TestResources.Service.Value.TryGetV3("api/v1", out var doc));
        using var response = await _client!.GetAsync("/openapi/v3/api/v1?hash=" + doc.Hash);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("immutable", response.Headers.CacheControl!.ToString());
        Assert.Equal(doc.ETag, response.Headers.ETag!.Tag);
        Assert.Equal(doc.Json.Length, (await response.Content.ReadAsByteArrayAsync()).Length);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v3/api/v1?hash=" + doc.Hash);
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(doc.ETag));
        using var notModified = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task GetV3Document_UnknownGroupVersion_Returns404()
    {
        using var response = await _client!.GetAsync("/openapi/v3/apis/nope.example.com/v1");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task GetV2_ProtobufOnlyAccept_Returns406Status()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        request.Headers.TryAddWithoutValidation("Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf");
        using var response = await _client!.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal(406, status["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetV2_JsonAccept_ReturnsSwagger()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/v2");
        request.Headers.TryAddWithoutValidation("Accept", "application/json, */*");
        using var response = await _client!.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("2.0", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["swagger"]!.GetValue<string>());
    }

    [Fact]
    public async Task OtherPaths_PassedToTheNextHandler()
    {
        using var response = await _client!.GetAsync("/api/v1/namespaces");
        Assert.Equal((HttpStatusCode)418, response.StatusCode);
    }

    [Fact]
    public async Task PostToOpenApiPath_Returns405AllowingGet()
    {
        using var response = await _client!.PostAsync("/openapi/v2", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Theory]
    [InlineData("/openapi/v3", "V3Index")]
    [InlineData("/openapi/v2", "V2")]
    [InlineData("/openapi/v3/apis/apps/v1", "V3Document")]
    [InlineData("/openapi/v3/", "None")]
    [InlineData("/openapi/v2x", "None")]
    [InlineData("/OPENAPI/v2", "None")]
    [InlineData("/api/v1", "None")]
    [InlineData(null, "None")]
    public void Match_NamesTheDocumentOfAPath(string? path, string expected) =>
        Assert.Equal(expected, OpenApiEndpoints.Match(path).ToString());
}
