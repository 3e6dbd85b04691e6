using Parley.Cli.Terminal;
namespace Parley.Cli.Commands;

/// <summary>Reading input files with errors a person can act on.</summary>
internal static class Files
{
    /// <summary>The bytes of <paramref name="file"/>; a missing or unreadable file is an input error (exit status 2).</summary>
    public static async Task<byte[]> ReadAsync(FileInfo file, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"{file}: {e.Message}");
        }
    }
}
