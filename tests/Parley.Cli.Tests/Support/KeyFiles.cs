using Parley.Server.Security;

namespace Parley.Cli.Tests.Support;

/// <summary>Submission key files for the parties of a server's data folder (their development keys), as <c>--key</c> takes them.</summary>
public static class KeyFiles
{
    private static readonly Lock Gate = new();

    /// <summary>The path of <paramref name="party"/>'s development key file, written on first use.</summary>
    public static string For(string dataDirectory, string party, string agreement = "demo")
    {
        string path = Path.Combine(dataDirectory, "test-keys", $"{agreement}.{party}.pem");
        lock (Gate)
        {
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var key = DevelopmentKeys.For(dataDirectory, agreement, party);
                File.WriteAllText(path, key.ToPem());
            }
        }

        return path;
    }
}
