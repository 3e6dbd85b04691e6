namespace Parley.Server.Security;

/// <summary>Secrets kept as files in the data folder: created once, owner-only, never overwritten.</summary>
internal static class SecretFiles
{
    /// <summary>
    /// The content of <paramref name="path"/>, creating it with <paramref name="create"/> if absent. When two
    /// processes race to create it, both end up with the one that landed first.
    /// </summary>
    public static byte[] ReadOrCreate(string path, Func<byte[]> create)
    {
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // Unique per call: two threads of one process may race to create the same secret.
        string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, create());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }

        return File.ReadAllBytes(path);
    }
}
