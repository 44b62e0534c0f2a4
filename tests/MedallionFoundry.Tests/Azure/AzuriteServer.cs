using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace MedallionFoundry.Tests.Azure;

/// <summary>The Azurite instance the test harness started (tests/servers/TestServers.psm1).
/// A missing variable fails the test: these tests never skip.</summary>
public static class AzuriteServer
{
    public static string ConnectionString => Require("MF_TEST_AZURE_CONNECTION_STRING");
    public static string Account => Require("MF_TEST_AZURE_ACCOUNT");
    public static string Key => Require("MF_TEST_AZURE_KEY");

    /// <summary>Blob endpoint including the account path (http://127.0.0.1:port/devstoreaccount1).</summary>
    public static string BlobEndpoint => Require("MF_TEST_AZURE_BLOB_ENDPOINT");

    static string Require(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"The environment variable {name} is not set: start Azurite with tests/servers/TestServers.psm1 (build.ps1 Test does it).");

    /// <summary>A client with the account key, for setting up and inspecting test data directly.</summary>
    public static BlobContainerClient AdminContainer(string container) =>
        new(new Uri($"{BlobEndpoint}/{container}"), new StorageSharedKeyCredential(Account, Key));

    /// <summary>A new container (unique name) that exists.</summary>
    public static string NewContainer(string purpose)
    {
        var name = $"mf-{purpose}-{Guid.NewGuid():N}"[..Math.Min(63, purpose.Length + 36)];
        AdminContainer(name).CreateIfNotExists();
        return name;
    }

    /// <summary>A container-scoped SAS token (no leading '?').</summary>
    public static string SasToken(string container, BlobContainerSasPermissions permissions) =>
        AdminContainer(container).GenerateSasUri(permissions, DateTimeOffset.UtcNow.AddHours(4)).Query.TrimStart('?');
}
