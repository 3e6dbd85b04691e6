using System.Security.Cryptography;
using Parley.Ledger;
using Parley.Cli.Terminal;

namespace Parley.Cli.Ledger;

/// <summary>The ledger does not verify: the message names the first failing entry, tile or checkpoint.</summary>
internal sealed class VerificationFailedException(string message, long? entry = null) : Exception(message)
{
    /// <summary>The first entry that fails, when the failure is one entry's.</summary>
    public long? Entry { get; } = entry;
}

/// <summary>A checkpoint whose signature by the center's key has been checked.</summary>
internal sealed record VerifiedCheckpoint(string Text, Checkpoint Body, NoteSignature Signature)
{
    public long Size => Body.Size;

    public byte[] RootHash => Body.RootHash;

    public string Root => Convert.ToBase64String(Body.RootHash);

    /// <summary>The note with the one signature that was verified (cosignatures are not kept).</summary>
    public string Note => new SignedNote(Text, [Signature]).ToString();

    public string Describe() => $"size {Size}, root {Root}";

    /// <summary>Parses a signed checkpoint and checks it carries a signature of <paramref name="key"/>.</summary>
    /// <exception cref="VerificationFailedException">Malformed, or not signed by the key.</exception>
    public static VerifiedCheckpoint Verify(string note, VerifierKey key, string source)
    {
        SignedNote signed;
        Checkpoint body;
        try
        {
            signed = SignedNote.Parse(note);
            body = Checkpoint.Parse(signed.Text);
        }
        catch (FormatException e)
        {
            throw new VerificationFailedException($"the checkpoint from {source} is malformed: {e.Message}");
        }

        var signature = signed.Signatures.FirstOrDefault(s => key.Verifies(signed.Text, s));
        if (signature is null)
        {
            throw new VerificationFailedException(
                $"the checkpoint from {source} (origin {body.Origin}, size {body.Size}, root {Convert.ToBase64String(body.RootHash)}) " +
                $"is not signed by the key {key.Name}+{key.KeyId:x8}: refused");
        }

        return new VerifiedCheckpoint(signed.Text, body, signature);
    }
}

/// <summary>The client's memory of the last checkpoint it verified: one signed note, written atomically.</summary>
internal static class StateFile
{
    /// <summary>The checkpoint last saved in <paramref name="path"/>, or null when there is no such file yet.</summary>
    /// <exception cref="CliException">The file is unreadable, malformed or not signed by <paramref name="key"/> (status 2).</exception>
    public static VerifiedCheckpoint? Load(string? path, VerifierKey key)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.InvalidInput, $"state file {path}: {e.Message}");
        }

        try
        {
            return VerifiedCheckpoint.Verify(text, key, $"state file {path}");
        }
        catch (VerificationFailedException e)
        {
            throw new CliException(ExitCodes.InvalidInput, e.Message + " (is it the state file of another log?)");
        }
    }

    /// <summary>Replaces the state with <paramref name="checkpoint"/>: written beside it, then renamed over it.</summary>
    public static void Save(string path, VerifiedCheckpoint checkpoint)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(checkpoint.Note));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Refuses, loudly, a checkpoint that is not an extension of the one verified before: a split view (the
    /// center shows different parties different histories) or a rewritten or rolled-back log.
    /// </summary>
    /// <param name="previous">The checkpoint from the state file.</param>
    /// <param name="current">The checkpoint just verified.</param>
    /// <param name="path">The state file, for the message.</param>
    /// <param name="proof">Fetches or computes the consistency proof between two sizes.</param>
    public static async Task CheckConsistencyAsync(VerifiedCheckpoint previous, VerifiedCheckpoint current, string path,
        Func<long, long, Task<IReadOnlyList<byte[]>>> proof)
    {
        if (previous.Body.Origin != current.Body.Origin)
        {
            throw new CliException(ExitCodes.InvalidInput,
                $"state file {path} holds a checkpoint of the log '{previous.Body.Origin}', not of '{current.Body.Origin}'");
        }

        string? reason = null;
        if (current.Size < previous.Size)
        {
            reason = "the log is now shorter than it was: it was rolled back or rewritten";
        }
        else if (current.Size == previous.Size)
        {
            if (!CryptographicOperations.FixedTimeEquals(current.RootHash, previous.RootHash))
            {
                reason = "the same size has two different roots";
            }
        }
        else if (previous.Size > 0)
        {
            try
            {
                var hashes = await proof(previous.Size, current.Size);
                ProofVerifier.VerifyConsistency((ulong)previous.Size, (ulong)current.Size, previous.RootHash, current.RootHash, hashes);
            }
            catch (ProofException e)
            {
                reason = $"the consistency proof fails: {e.Message}";
            }
        }

        if (reason is not null)
        {
            throw new VerificationFailedException(
                $"SPLIT VIEW OR REWRITTEN LOG: the checkpoint now shown ({current.Describe()}) is not consistent with the one " +
                $"verified before ({previous.Describe()}, state file {path}): {reason}. The center has shown a history that " +
                "contradicts the one you saw earlier. Refused; the state file is left unchanged.");
        }
    }
}
