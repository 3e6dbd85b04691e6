using System.Globalization;
using Parley.Ledger;
using Parley.Cli.Terminal;

namespace Parley.Cli.Ledger;

/// <summary>
/// A witness's private key file: one line <c>PRIVATE+KEY+&lt;name&gt;+&lt;hex key ID&gt;+base64(0x04 ‖ 32-byte Ed25519 seed)</c>,
/// the signed-note private key form with the cosignature type (c2sp.org/tlog-cosignature), kept owner-only.
/// </summary>
internal static class WitnessKeyFile
{
    private const string Prefix = "PRIVATE+KEY+";

    /// <summary>Whether a witness key name is acceptable: a signed-note key name, schema-less (no <c>scheme://</c>).</summary>
    public static string? NameProblem(string name) =>
        !SignedNote.IsKeyName(name) ? "a key name is non-empty, without spaces, control characters or '+'"
        : name.Contains("://", StringComparison.Ordinal) ? "a key name is schema-less: 'witness.blue.example', not 'https://witness.blue.example'"
        : null;

    /// <summary>
    /// Creates a new key named <paramref name="name"/> in <paramref name="path"/>, readable and writable by its owner only.
    /// An existing file is never replaced.
    /// </summary>
    /// <returns>The cosignature verifier key (type 0x04) of the new key.</returns>
    /// <exception cref="CliException">The file exists (status 2) or cannot be written (status 1).</exception>
    public static VerifierKey Create(string path, string name)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full) || Directory.Exists(full))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{path} already exists: refusing to overwrite a key (choose another --out)");
        }

        byte[] seed = NoteSigner.NewSeed();
        using var signer = new NoteSigner(name, seed);
        var data = new byte[1 + seed.Length];
        data[0] = SignatureTypes.CosignatureV1;
        seed.CopyTo(data, 1);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}{name}+{signer.CosignatureVerifier.KeyId:x8}+{Convert.ToBase64String(data)}\n");
        Array.Clear(seed);
        Array.Clear(data);

        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(directory);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(line));
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite); // whatever the umask
            }

            File.Move(temporary, full, overwrite: false);
        }
        catch (IOException) when (File.Exists(full))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{path} already exists: refusing to overwrite a key (choose another --out)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Failure, $"cannot write the witness key to {path}: {e.Message}");
        }
        finally
        {
            File.Delete(temporary);
        }

        return signer.CosignatureVerifier;
    }

    /// <summary>Reads the signer kept in <paramref name="path"/>.</summary>
    /// <param name="path">The key file written by <see cref="Create"/>.</param>
    /// <param name="warnings">Told when the file is readable by others than its owner.</param>
    /// <exception cref="CliException">Missing, unreadable or malformed (status 2).</exception>
    public static NoteSigner Load(string path, TextWriter warnings)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--witness {path}: no such file ('parley ledger witness-key --out FILE --name NAME' creates one)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"--witness {path}: {e.Message}");
        }

        if (!OperatingSystem.IsWindows() &&
            (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            warnings.WriteLine($"parley: warning: the witness key {path} is readable or writable by others than its owner (chmod 600 it)");
        }

        var parts = text.Trim().Split('+', 5); // the base64 key data may itself contain '+'
        string malformed = $"--witness {path}: not a witness key file (expected PRIVATE+KEY+name+keyid+key, as 'parley ledger witness-key' writes)";
        if (parts.Length != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" || NameProblem(parts[2]) is not null || parts[3].Length != 8 ||
            !uint.TryParse(parts[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint keyId))
        {
            throw new CliException(ExitCodes.InvalidInput, malformed);
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(parts[4]);
        }
        catch (FormatException)
        {
            throw new CliException(ExitCodes.InvalidInput, malformed);
        }

        try
        {
            if (data.Length != 33 || data[0] != SignatureTypes.CosignatureV1)
            {
                throw new CliException(ExitCodes.InvalidInput, $"--witness {path}: only Ed25519 cosignature keys (type 0x04) are supported");
            }

            var signer = new NoteSigner(parts[2], data.AsSpan(1));
            if (signer.CosignatureVerifier.KeyId != keyId)
            {
                signer.Dispose();
                throw new CliException(ExitCodes.InvalidInput, $"--witness {path}: the key ID does not match the key (the file is damaged)");
            }

            return signer;
        }
        finally
        {
            Array.Clear(data);
        }
    }
}
