namespace Parley.Server.Security;

/// <summary>Secrets kept as files in the data folder: created once, owner-only, never overwritten.</summary>
internal static class SecretFiles
{
    /// <summary>
    /// The content of <paramref name="path"/>, creating it with <paramref name="create"/> if absent. Creators take
    /// turns (threads and processes alike), so that all who race to create it end up with the same secret.
    /// </summary>
    public static byte[] ReadOrCreate(string path, Func<byte[]> create)
    {
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        // A move that must not overwrite is not atomic on Linux: two creators could each land a secret of its own.
        using (TakeTurn(path))
        {
            if (!File.Exists(path))
            {
                string temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
                File.WriteAllBytes(temporary, create());
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                File.Move(temporary, path, overwrite: true); // a rename: a reader sees the whole secret or none
            }
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>An exclusive hold on the secret's lock file, waited for while another creator has it.</summary>
    private static FileStream TakeTurn(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                // Whoever takes the next turn after the file is deleted finds the secret written.
                return new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (attempt < 2000)
            {
                Thread.Sleep(5);
            }
        }
    }
}
