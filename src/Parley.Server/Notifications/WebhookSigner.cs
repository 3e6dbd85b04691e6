using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using Parley.Core.Model;
using Parley.Ledger;

namespace Parley.Server.Notifications;

/// <summary>
/// Signs webhook bodies for the center: Ed25519 over the exact body bytes, one key per agreement, named
/// <c>&lt;center name&gt;/&lt;agreement id&gt;/webhooks</c> and published as a C2SP verifier key.
/// </summary>
/// <remarks>
/// <para>
/// The keys are not the checkpoint key: a signature over arbitrary bytes under the key that signs the ledger's
/// checkpoints could be taken for one. Each is derived from the ledger seed with HKDF-SHA256 (the info names the
/// purpose and the agreement), so there is no further secret to keep, and it lasts as long as the ledger key does.
/// </para>
/// <para>The header: <c>Parley-Signature: &lt;key name&gt;+&lt;key ID, 8 hex digits&gt; &lt;base64 signature&gt;</c>. Thread-safe.</para>
/// </remarks>
public sealed class WebhookSigner(byte[] ledgerSeed, string centerName) : IDisposable
{
    /// <summary>The header that carries the signature.</summary>
    public const string SignatureHeader = "Parley-Signature";

    private readonly ConcurrentDictionary<AgreementId, Lazy<(Key Key, VerifierKey Verifier)>> _keys = new();

    /// <summary>The verifier key of an agreement's webhooks (C2SP vkey: name, key ID, type 0x01 and the Ed25519 public key).</summary>
    public VerifierKey Verifier(AgreementId agreement) => KeyOf(agreement).Verifier;

    /// <summary>The <see cref="SignatureHeader"/> value for <paramref name="body"/>.</summary>
    public string Sign(AgreementId agreement, ReadOnlySpan<byte> body)
    {
        var (key, verifier) = KeyOf(agreement);
        byte[] signature = SignatureAlgorithm.Ed25519.Sign(key, body);
        return string.Create(CultureInfo.InvariantCulture, $"{verifier.Name}+{verifier.KeyId:x8} {Convert.ToBase64String(signature)}");
    }

    private (Key Key, VerifierKey Verifier) KeyOf(AgreementId agreement) =>
        _keys.GetOrAdd(agreement, a => new Lazy<(Key, VerifierKey)>(() =>
        {
            string name = $"{centerName}/{a.Value}/webhooks";
            if (!SignedNote.IsKeyName(name))
            {
                throw new InvalidOperationException("the agreement id makes no valid key name");
            }

            byte[] seed = HKDF.DeriveKey(HashAlgorithmName.SHA256, ledgerSeed, 32, salt: [], info: Encoding.UTF8.GetBytes("parley webhook signing key\n" + a.Value));
            var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
            CryptographicOperations.ZeroMemory(seed);
            return (key, new VerifierKey(name, SignatureTypes.Ed25519, key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
        })).Value;

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var key in _keys.Values.Where(k => k.IsValueCreated))
        {
            key.Value.Key.Dispose();
        }
    }
}
