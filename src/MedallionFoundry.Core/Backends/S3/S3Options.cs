using MedallionFoundry.Config;

namespace MedallionFoundry.Backends.S3;

/// <summary>The S3 backend's options, declared once: the binder, the typo check, Connect-BronzeStorage's
/// parameters, the docs and the redactor all come from this table.</summary>
public static class S3Options
{
    public const string Connection = "platform.s3_connection";

    public static readonly OptionDeclaration Bucket = new()
    {
        Key = "s3_bucket", Required = true, Parameter = "Bucket", Help = "The bucket. No '/' or spaces.",
    };

    public static readonly OptionDeclaration Prefix = new()
    {
        Key = "s3_prefix", DefaultValue = "", DefaultText = "none", Parameter = "Prefix",
        Help = "Key prefix every remote path goes under; '/bronze/' is read as 'bronze'; '..' and empty segments are rejected.",
    };

    public static readonly OptionDeclaration EndpointUrlEnv = new()
    {
        Key = "endpoint_url_env", Section = Connection, Type = OptionType.EnvVarName, DefaultText = "none (AWS)",
        Help = "Name of the environment variable holding the endpoint of an S3-compatible store (http(s)://host:port).",
    };

    public static readonly OptionDeclaration EndpointUrl = new()
    {
        Key = "endpoint_url", Section = Connection, DefaultText = "none (AWS)", Parameter = "EndpointUrl",
        Help = "The endpoint as a plain value. Use one of the two endpoint keys, not both.",
    };

    public static readonly OptionDeclaration AccessKeyEnv = new()
    {
        Key = "access_key_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        Parameter = "Credential", ParameterPart = CredentialPart.UserName,
        Help = "Name of the variable holding the access key id (used as a pair with secret_key_env).",
    };

    public static readonly OptionDeclaration SecretKeyEnv = new()
    {
        Key = "secret_key_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        Parameter = "Credential", ParameterPart = CredentialPart.Password,
        Help = "Name of the variable holding the secret key.",
    };

    public static readonly OptionDeclaration SessionTokenEnv = new()
    {
        Key = "session_token_env", Section = Connection, Type = OptionType.EnvVarName, Sensitive = true,
        Help = "Name of the variable holding an STS session token (with the two keys above).",
    };

    public static readonly OptionDeclaration Region = new()
    {
        Key = "region", Section = Connection, DefaultValue = "us-east-1", Parameter = "Region",
        Help = "Region used for signing (and for the AWS endpoint when no endpoint is given).",
    };

    public static readonly OptionDeclaration ForcePathStyle = new()
    {
        Key = "force_path_style", Section = Connection, Type = OptionType.Bool, DefaultText = "true with an endpoint, false on AWS",
        Help = "http://host/bucket/key instead of http://bucket.host/key; most self-hosted stores need path style.",
    };

    public static readonly OptionDeclaration ChecksumMode = new()
    {
        Key = "checksum_mode", Section = Connection, Type = OptionType.Enum, Allowed = ["when_required", "when_supported"],
        DefaultText = "when_required with an endpoint, when_supported on AWS",
        Help = "when_supported: a CRC32 trailer on every upload, validated on download (AWS); when_required: only where the API demands one.",
    };

    public static readonly OptionDeclaration LegacyUnchunked = new()
    {
        Key = "legacy_unchunked", Section = Connection, Type = OptionType.Bool, DefaultValue = false,
        Help = "Send upload bodies as plain signed bodies instead of aws-chunked ones (stores that save chunked bodies verbatim).",
    };

    public static readonly OptionDeclaration MultipartThreshold = new()
    {
        Key = "multipart_threshold", Section = Connection, Type = OptionType.Size, DefaultValue = 64 * S3Settings.MiB,
        Min = S3Settings.MinPartSize, Max = S3Settings.MaxSinglePut, Help = "Files larger than this go up as multipart uploads.",
    };

    public static readonly OptionDeclaration PartSize = new()
    {
        Key = "part_size", Section = Connection, Type = OptionType.Size, DefaultValue = 16 * S3Settings.MiB,
        DefaultText = "16MiB, grown with the file",
        Min = S3Settings.MinPartSize, Max = S3Settings.MaxSinglePut,
        Help = "Size of each upload part (and the smallest download range). Not set: at least 16 MiB, grown to about two parts per request in flight, up to 256 MiB. Always grown when a file would need more than 10,000 parts.",
    };

    public static readonly OptionDeclaration MaxConcurrency = new()
    {
        Key = "max_concurrency", Section = Connection, Type = OptionType.Int, DefaultValue = 4, Min = 1, Max = 64,
        Help = "Parts of one file sent at the same time.",
    };

    public static IReadOnlyList<OptionDeclaration> All { get; } =
    [
        Bucket, Prefix, EndpointUrlEnv, EndpointUrl, AccessKeyEnv, SecretKeyEnv, SessionTokenEnv, Region,
        ForcePathStyle, ChecksumMode, LegacyUnchunked, MultipartThreshold, PartSize, MaxConcurrency,
    ];
}
