using Microsoft.IdentityModel.Tokens;
using NSec.Cryptography;

namespace Parley.Server.Security;

/// <summary>An Ed25519 public key (a JWK of type <c>OKP</c>, curve <c>Ed25519</c>) that verifies <c>EdDSA</c> tokens.</summary>
/// <remarks>Microsoft.IdentityModel has no EdDSA; this key carries a crypto provider factory that verifies with NSec.</remarks>
internal sealed class Ed25519SecurityKey : AsymmetricSecurityKey
{
    /// <summary>The JWS algorithm name (RFC 8037).</summary>
    public const string Algorithm = "EdDSA";

    private static readonly CryptoProviderFactory Factory = new() { CustomCryptoProvider = new EdDsaCryptoProvider() };

    /// <summary>Wraps an imported Ed25519 public key.</summary>
    public Ed25519SecurityKey(PublicKey publicKey)
    {
        if (publicKey.Algorithm != SignatureAlgorithm.Ed25519)
        {
            throw new ArgumentException("not an Ed25519 key", nameof(publicKey));
        }

        PublicKey = publicKey;
        CryptoProviderFactory = Factory;
    }

    /// <summary>The NSec public key.</summary>
    public PublicKey PublicKey { get; }

    /// <inheritdoc/>
    public override int KeySize => 256;

    /// <inheritdoc/>
    [Obsolete("HasPrivateKey method is deprecated, please use PrivateKeyStatus.")]
    public override bool HasPrivateKey => false;

    /// <inheritdoc/>
    public override PrivateKeyStatus PrivateKeyStatus => PrivateKeyStatus.DoesNotExist;

    /// <summary>Verifies an Ed25519 signature over <paramref name="data"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        SignatureAlgorithm.Ed25519.Verify(PublicKey, data, signature);

    /// <summary>Supplies <see cref="EdDsaVerifier"/> for <c>EdDSA</c> with an <see cref="Ed25519SecurityKey"/>, and nothing else.</summary>
    private sealed class EdDsaCryptoProvider : ICryptoProvider
    {
        public bool IsSupportedAlgorithm(string algorithm, params object[] args) =>
            algorithm == Algorithm && args is [Ed25519SecurityKey, ..];

        public object Create(string algorithm, params object[] args)
        {
            if (!IsSupportedAlgorithm(algorithm, args))
            {
                throw new NotSupportedException($"EdDSA needs an Ed25519 key, not {algorithm}");
            }

            // Verification only: the center never signs with a party's key.
            if (args is [_, true, ..])
            {
                throw new NotSupportedException("an Ed25519 public key cannot sign");
            }

            return new EdDsaVerifier((Ed25519SecurityKey)args[0]);
        }

        public void Release(object cryptoInstance) => (cryptoInstance as IDisposable)?.Dispose();
    }

    /// <summary>Verifies EdDSA signatures; cannot sign.</summary>
    private sealed class EdDsaVerifier(Ed25519SecurityKey key) : SignatureProvider(key, Ed25519SecurityKey.Algorithm)
    {
        public override byte[] Sign(byte[] input) => throw new NotSupportedException("an Ed25519 public key cannot sign");

        public override bool Verify(byte[] input, byte[] signature) => key.Verify(input, signature);

        public override bool Verify(byte[] input, int inputOffset, int inputLength, byte[] signature, int signatureOffset, int signatureLength) =>
            key.Verify(input.AsSpan(inputOffset, inputLength), signature.AsSpan(signatureOffset, signatureLength));

        protected override void Dispose(bool disposing)
        {
        }
    }
}
