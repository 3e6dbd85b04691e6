using System.Security.Cryptography;
using Parley.Server.Security;

namespace Parley.Server.Tests.Bugs;

/// <summary>
/// A secret file (the development submission keys' secret, the token key) was created by writing a temporary file and
/// moving it into place "without overwriting"; on Linux that move is not atomic, so two threads creating the same
/// secret at once could each land and read a secret of its own (42 of 300 rounds of eight threads, measured). A server
/// and its first client then derived different development keys, and every signed write was refused as "not a
/// submission key of the token's party".
/// </summary>
public class Bug_a_secret_created_by_two_threads_at_once_could_differ_between_them
{
    [Fact]
    public void every_thread_that_races_to_create_a_secret_reads_the_same_one()
    {
        string root = Path.Combine(Path.GetTempPath(), "parley-secret-race-" + Guid.NewGuid().ToString("N"));
        try
        {
            for (int round = 0; round < 100; round++)
            {
                string path = Path.Combine(root, $"round-{round}", "secret.key");
                var read = new byte[8][];
                Parallel.For(0, read.Length, new ParallelOptions { MaxDegreeOfParallelism = read.Length },
                    i => read[i] = SecretFiles.ReadOrCreate(path, () => RandomNumberGenerator.GetBytes(32)));

                Assert.All(read, secret => Assert.Equal(read[0], secret));
                Assert.Equal(read[0], File.ReadAllBytes(path));
                Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary or lock file left
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
