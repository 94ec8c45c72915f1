namespace Bosun.Proxy.Tests;

/// <summary>Compares output with a file in testdata/; <c>BOSUN_UPDATE_GOLDEN=1</c> rewrites the source copy instead.</summary>
internal static class Golden
{
    public static void Check(string name, string actual)
    {
        if (Environment.GetEnvironmentVariable("BOSUN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceDir(), "testdata", name), actual);
            return;
        }
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", name)), actual);
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
