namespace Parley.Ledger.Tests;

public sealed class SignedNoteTests
{
    // The reference vector of golang.org/x/mod/sumdb/note: Ed25519 is deterministic, so the note must match byte for byte.
    private const string PeterVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string PeterSignerKeyData = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string PeterText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string PeterNote = PeterText + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    private static NoteSigner Peter() => new("PeterNeumann", Convert.FromBase64String(PeterSignerKeyData).AsSpan(1));

    [Fact]
    public void signing_the_reference_text_reproduces_the_reference_note_byte_for_byte()
    {
        using var signer = Peter();
        Assert.Equal(PeterVerifier, signer.Verifier.ToString());
        Assert.Equal(PeterNote, new SignedNote(PeterText, [signer.Sign(PeterText)]).ToString());
    }

    [Fact]
    public void the_reference_note_parses_and_verifies_and_a_changed_text_does_not()
    {
        var note = SignedNote.Parse(PeterNote);
        var key = VerifierKey.Parse(PeterVerifier);
        Assert.Equal(PeterText, note.Text);
        Assert.True(key.Verifies(note.Text, note.Signatures[0]));
        Assert.False(key.Verifies(note.Text.Replace("cryptography", "cryptographY", StringComparison.Ordinal), note.Signatures[0]));
    }

    [Theory]
    [InlineData("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")]
    [InlineData("PeterNeumann+c74f20a3")]
    [InlineData("PeterNeumann+c74f20a3+!!!")]
    public void malformed_or_mismatched_verifier_keys_are_refused(string vkey)
    {
        Assert.Throws<FormatException>(() => VerifierKey.Parse(vkey));
    }

    [Theory]
    [InlineData("text\n")]
    [InlineData("text\n\n")]
    [InlineData("text\n\n- name AAAAAAA=\n")]
    [InlineData("text\n\n\u2014 name AAAA\n")]
    [InlineData("te\u0001xt\n\n\u2014 name AAAAAAAAAA==\n")]
    [InlineData("text\n\n\u2014 name AAAAAAAAAA==")]
    public void malformed_notes_are_refused(string note)
    {
        Assert.Throws<FormatException>(() => SignedNote.Parse(note));
    }

    [Fact]
    public void a_cosignature_verifies_with_the_cosigner_key_and_binds_the_timestamp_and_the_checkpoint()
    {
        using var witness = new NoteSigner("witness.example/w1", NoteSigner.NewSeed());
        var checkpoint = new Checkpoint("parley.example/demo", 5, new byte[32], []).ToText();
        var cosignature = witness.Cosign(checkpoint, 1_700_000_000);
        Assert.Equal(8 + 64, cosignature.Signature.Length);
        Assert.NotEqual(witness.Verifier.KeyId, witness.CosignatureVerifier.KeyId);

        var key = VerifierKey.Parse(witness.CosignatureVerifier.ToString());
        Assert.True(key.Verifies(checkpoint, cosignature));
        Assert.False(key.Verifies(checkpoint.Replace("\n5\n", "\n6\n", StringComparison.Ordinal), cosignature));
        var tampered = cosignature with { Signature = [.. cosignature.Signature] };
        tampered.Signature[7] ^= 1; // the timestamp
        Assert.False(key.Verifies(checkpoint, tampered));
        Assert.False(witness.Verifier.Verifies(checkpoint, cosignature)); // a plain key does not accept a cosignature
    }

    [Fact]
    public void a_checkpoint_round_trips_and_refuses_leading_zeros_and_short_hashes()
    {
        var root = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var text = new Checkpoint("parley.example/demo", 42, root, ["ext"]).ToText();
        Assert.Equal("parley.example/demo\n42\n" + Convert.ToBase64String(root) + "\next\n", text);
        var parsed = Checkpoint.Parse(text);
        Assert.Equal(42, parsed.Size);
        Assert.Equal(root, parsed.RootHash);
        Assert.Throws<FormatException>(() => Checkpoint.Parse("o\n042\n" + Convert.ToBase64String(root) + "\n"));
        Assert.Throws<FormatException>(() => Checkpoint.Parse("o\n42\nAAAA\n"));
        Assert.Throws<FormatException>(() => Checkpoint.Parse("o\n42\n"));
    }
}
