using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Parley.Ledger;

/// <summary>One signature line of a signed note: key name, key ID and signature bytes.</summary>
public sealed record NoteSignature(string KeyName, uint KeyId, byte[] Signature)
{
    /// <summary>The line, without its newline: em dash, space, name, space, base64(key ID ‖ signature).</summary>
    public string ToLine()
    {
        var bytes = new byte[4 + Signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, KeyId);
        Signature.CopyTo(bytes, 4);
        return $"\u2014 {KeyName} {Convert.ToBase64String(bytes)}";
    }
}

/// <summary>A C2SP signed note: a text ending in a newline, a blank line, then signature lines.</summary>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>Most signatures accepted when parsing (the specification asks for at least 16).</summary>
    public const int MaxSignatures = 64;

    /// <summary>The serialised note.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder(Text).Append('\n');
        foreach (var s in Signatures)
        {
            sb.Append(s.ToLine()).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Parses a signed note, refusing anything the specification forbids.</summary>
    /// <exception cref="FormatException">The note is malformed.</exception>
    public static SignedNote Parse(string note)
    {
        if (note.Any(c => c < 0x20 && c != '\n'))
        {
            throw new FormatException("a note must not contain control characters other than newline");
        }

        if (!note.EndsWith('\n'))
        {
            throw new FormatException("a note ends with a newline");
        }

        int split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            throw new FormatException("a note needs a blank line before its signatures");
        }

        string text = note[..(split + 1)];
        if (split + 2 >= note.Length)
        {
            throw new FormatException("a signed note has at least one signature");
        }

        var lines = note[(split + 2)..^1].Split('\n');
        if (lines.Length > MaxSignatures)
        {
            throw new FormatException($"more than {MaxSignatures} signatures");
        }

        var signatures = new List<NoteSignature>();
        foreach (var line in lines)
        {
            if (!line.StartsWith("\u2014 ", StringComparison.Ordinal))
            {
                throw new FormatException("a signature line starts with an em dash and a space");
            }

            var parts = line[2..].Split(' ');
            if (parts.Length != 2 || !IsKeyName(parts[0]))
            {
                throw new FormatException("a signature line is '— <key name> <base64 signature>'");
            }

            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(parts[1]);
            }
            catch (FormatException)
            {
                throw new FormatException("a signature is not valid base64");
            }

            if (bytes.Length < 5)
            {
                throw new FormatException("a signature is shorter than its key ID");
            }

            signatures.Add(new NoteSignature(parts[0], BinaryPrimitives.ReadUInt32BigEndian(bytes), bytes[4..]));
        }

        if (signatures.Count == 0)
        {
            throw new FormatException("a signed note has at least one signature");
        }

        return new SignedNote(text, signatures);
    }

    /// <summary>Whether a key name is allowed: non-empty, no spaces, no '+'.</summary>
    public static bool IsKeyName(string name) =>
        name.Length > 0 && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || c < 0x20);

    /// <summary>The recommended key ID: the first four bytes of SHA-256(name ‖ 0x0A ‖ type ‖ public key), big-endian.</summary>
    public static uint KeyId(string name, byte signatureType, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var material = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(material, 0);
        material[nameBytes.Length] = 0x0A;
        material[nameBytes.Length + 1] = signatureType;
        publicKey.CopyTo(material.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(material));
    }
}

/// <summary>Signature type identifiers of the C2SP signed-note registry.</summary>
public static class SignatureTypes
{
    /// <summary>Ed25519 over the note text.</summary>
    public const byte Ed25519 = 0x01;

    /// <summary>Timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature).</summary>
    public const byte CosignatureV1 = 0x04;
}

/// <summary>An Ed25519 note signer: a key name and a private key.</summary>
public sealed class NoteSigner : IDisposable
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    /// <summary>Creates a signer from a 32-byte Ed25519 seed.</summary>
    public NoteSigner(string name, ReadOnlySpan<byte> seed)
    {
        if (!SignedNote.IsKeyName(name))
        {
            throw new ArgumentException("a key name is non-empty, without spaces or '+'", nameof(name));
        }

        Name = name;
        _key = Key.Import(Algorithm, seed, KeyBlobFormat.RawPrivateKey);
        PublicKey = _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
    }

    /// <summary>The key name.</summary>
    public string Name { get; }

    /// <summary>The raw 32-byte public key.</summary>
    public byte[] PublicKey { get; }

    /// <summary>A fresh random seed for a new key.</summary>
    public static byte[] NewSeed() => RandomNumberGenerator.GetBytes(32);

    /// <summary>Signs a note text (which must end in a newline) as a plain Ed25519 note signature.</summary>
    public NoteSignature Sign(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new ArgumentException("a note text ends with a newline", nameof(text));
        }

        var signature = Algorithm.Sign(_key, Encoding.UTF8.GetBytes(text));
        return new NoteSignature(Name, SignedNote.KeyId(Name, SignatureTypes.Ed25519, PublicKey), signature);
    }

    /// <summary>A timestamped cosignature (type 0x04) over a checkpoint text, per c2sp.org/tlog-cosignature.</summary>
    public NoteSignature Cosign(string checkpointText, ulong timestamp)
    {
        var signed = Algorithm.Sign(_key, Cosignatures.Message(checkpointText, timestamp));
        var bytes = new byte[8 + signed.Length];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, timestamp);
        signed.CopyTo(bytes, 8);
        return new NoteSignature(Name, SignedNote.KeyId(Name, SignatureTypes.CosignatureV1, PublicKey), bytes);
    }

    /// <summary>The verifier key of this signer for plain signatures.</summary>
    public VerifierKey Verifier => new(Name, SignatureTypes.Ed25519, PublicKey);

    /// <summary>The verifier key of this signer for cosignatures.</summary>
    public VerifierKey CosignatureVerifier => new(Name, SignatureTypes.CosignatureV1, PublicKey);

    /// <inheritdoc/>
    public void Dispose() => _key.Dispose();
}

/// <summary>The message a cosigner signs.</summary>
public static class Cosignatures
{
    /// <summary><c>cosignature/v1\ntime &lt;t&gt;\n</c> followed by the checkpoint text.</summary>
    public static byte[] Message(string checkpointText, ulong timestamp) =>
        Encoding.UTF8.GetBytes($"cosignature/v1\ntime {timestamp}\n{checkpointText}");
}

/// <summary>A verifier key (<c>name+hexkeyid+base64(type ‖ public key)</c>).</summary>
public sealed record VerifierKey(string Name, byte Type, byte[] PublicKey)
{
    /// <summary>The key ID.</summary>
    public uint KeyId => SignedNote.KeyId(Name, Type, PublicKey);

    /// <summary>The vkey text.</summary>
    public override string ToString()
    {
        var data = new byte[1 + PublicKey.Length];
        data[0] = Type;
        PublicKey.CopyTo(data, 1);
        return $"{Name}+{KeyId:x8}+{Convert.ToBase64String(data)}";
    }

    /// <summary>Parses a vkey, checking that its key ID matches its key.</summary>
    /// <exception cref="FormatException">Malformed, or the key ID does not match.</exception>
    public static VerifierKey Parse(string vkey)
    {
        var parts = vkey.Trim().Split('+', 3); // the base64 key data may itself contain '+'
        if (parts.Length != 3 || !SignedNote.IsKeyName(parts[0]) || parts[1].Length != 8 ||
            !uint.TryParse(parts[1], System.Globalization.NumberStyles.HexNumber, null, out uint id))
        {
            throw new FormatException("a verifier key is name+hexkeyid+base64key");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            throw new FormatException("the verifier key's key data is not base64");
        }

        if (data.Length != 33 || data[0] is not (SignatureTypes.Ed25519 or SignatureTypes.CosignatureV1))
        {
            throw new FormatException("only Ed25519 verifier keys (types 0x01 and 0x04) are supported");
        }

        var key = new VerifierKey(parts[0], data[0], data[1..]);
        if (key.KeyId != id)
        {
            throw new FormatException("the verifier key's key ID does not match its key");
        }

        return key;
    }

    /// <summary>Whether a signature line is from this key (same name and key ID) and verifies over <paramref name="text"/>.</summary>
    public bool Verifies(string text, NoteSignature signature)
    {
        if (signature.KeyName != Name || signature.KeyId != KeyId)
        {
            return false;
        }

        var publicKey = NSec.Cryptography.PublicKey.Import(SignatureAlgorithm.Ed25519, PublicKey, KeyBlobFormat.RawPublicKey);
        if (Type == SignatureTypes.Ed25519)
        {
            return SignatureAlgorithm.Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(text), signature.Signature);
        }

        if (signature.Signature.Length != 8 + 64)
        {
            return false;
        }

        ulong timestamp = BinaryPrimitives.ReadUInt64BigEndian(signature.Signature);
        return timestamp <= long.MaxValue &&
               SignatureAlgorithm.Ed25519.Verify(publicKey, Cosignatures.Message(text, timestamp), signature.Signature.AsSpan(8));
    }
}
