using System.Security.Cryptography.X509Certificates;
using Parley.Server.Configuration;

namespace Parley.Server.Security;

/// <summary>TLS for deployments: the certificate that <c>https://</c> addresses serve.</summary>
internal static class Transport
{
    /// <summary>The configured certificate, or null when none is; refuses <c>https://</c> addresses without one.</summary>
    /// <exception cref="ArgumentException">An https address has no certificate, or the certificate does not load or has no private key.</exception>
    public static X509Certificate2? LoadCertificate(ParleyServerOptions options)
    {
        bool https = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries).Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (options.CertificatePath is not { Length: > 0 } path)
        {
            return https
                ? throw new ArgumentException("an https:// address needs a certificate: pass --certificate FILE (PEM, with --certificate-key, or PKCS#12)", nameof(options))
                : null;
        }

        X509Certificate2 certificate;
        try
        {
            certificate = Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword)
                : options.CertificatePassword is { Length: > 0 } password
                    ? X509Certificate2.CreateFromEncryptedPemFile(path, password, options.CertificateKeyPath)
                    : X509Certificate2.CreateFromPemFile(path, options.CertificateKeyPath);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"the certificate {path} does not load: {e.Message}", nameof(options), e);
        }

        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the certificate {path} has no private key: give it with --certificate-key", nameof(options));
        }

        return certificate;
    }
}
