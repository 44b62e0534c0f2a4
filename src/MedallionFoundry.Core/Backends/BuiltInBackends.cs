namespace MedallionFoundry.Backends;

/// <summary>The backends that ship with the module.</summary>
internal static class BuiltInBackends
{
    public static IEnumerable<BackendDescriptor> All()
    {
        yield return Local.LocalBackend.Descriptor;
        yield return S3.S3Backend.Descriptor;
        yield return Azure.AzureBackend.Descriptor;
        yield return Sftp.SftpBackend.Descriptor;
        yield return Mirror.MirrorBackend.Descriptor;
    }
}
