using MedallionFoundry.Backends;
using MedallionFoundry.Backends.S3;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.S3;

/// <summary>Every S3 config key: its default, and a bad value failing with an error that names it.</summary>
public sealed class S3SettingsTests
{
    static readonly Dictionary<string, string> Variables = new()
    {
        ["BRONZE_S3_ENDPOINT"] = "http://127.0.0.1:9000",
        ["BRONZE_S3_ACCESS_KEY"] = "AKIATEST",
        ["BRONZE_S3_SECRET_KEY"] = "very-secret-value",
        ["BRONZE_S3_TOKEN"] = "session-token",
    };

    static S3Settings Parse(string connection, string bronze = "s3_bucket: analytics-bronze\n    s3_prefix: bronze")
    {
        var yaml = $"platform:\n  bronze:\n    {bronze}\n" + (connection.Length == 0 ? "" : $"  s3_connection:\n{Indent(connection)}");
        return S3Settings.FromConfig(PlatformConfig.Parse(yaml, "platform.yaml", name => Variables.GetValueOrDefault(name)));
    }

    static string Indent(string lines) => string.Join("", lines.Split('\n').Select(l => $"    {l}\n"));

    static ConfigException Fails(string connection, string bronze = "s3_bucket: analytics-bronze") =>
        Assert.Throws<ConfigException>(() => Parse(connection, bronze));

    [Fact]
    public void The_seed_config_with_env_names_gives_an_endpoint_keys_and_store_friendly_defaults()
    {
        var s = Parse("endpoint_url_env: BRONZE_S3_ENDPOINT\naccess_key_env: BRONZE_S3_ACCESS_KEY\nsecret_key_env: BRONZE_S3_SECRET_KEY");

        Assert.Equal("analytics-bronze", s.Bucket);
        Assert.Equal("bronze", s.Prefix);
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s.EndpointUrl);
        Assert.Equal("us-east-1", s.Region);
        Assert.True(s.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WhenRequired, s.ChecksumMode);
        Assert.False(s.LegacyUnchunked);
        Assert.Equal(64 * S3Settings.MiB, s.MultipartThreshold);
        Assert.Equal(16 * S3Settings.MiB, s.PartSize);
        Assert.True(s.PartSizeGrowsWithFile); // not set: uploads grow it with the file
        Assert.Equal(64 * S3Settings.MiB, s.UploadPartSizeFor(512 * S3Settings.MiB));
        Assert.Equal(4, s.MaxConcurrency);
        Assert.Equal("AKIATEST", s.AccessKey);
        Assert.Equal("very-secret-value", s.SecretKey);
        Assert.Null(s.SessionToken);
        Assert.Equal("s3://analytics-bronze/bronze (http://127.0.0.1:9000)", s.Location);
    }

    [Fact]
    public void Without_an_endpoint_it_is_AWS_virtual_hosted_with_checksums_and_the_default_credential_chain()
    {
        var s = Parse("");

        Assert.Null(s.EndpointUrl);
        Assert.False(s.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WhenSupported, s.ChecksumMode);
        Assert.False(s.HasKeys);
        Assert.Equal("s3://analytics-bronze/bronze (AWS us-east-1)", s.Location);
    }

    [Fact]
    public void Every_optional_key_is_read()
    {
        var s = Parse("endpoint_url: https://minio.example:9000\nregion: eu-west-3\nforce_path_style: false\nchecksum_mode: when_supported\n" +
                      "legacy_unchunked: true\nmultipart_threshold: 128MiB\npart_size: 8MB\nmax_concurrency: 10\n" +
                      "access_key_env: BRONZE_S3_ACCESS_KEY\nsecret_key_env: BRONZE_S3_SECRET_KEY\nsession_token_env: BRONZE_S3_TOKEN",
            bronze: "s3_bucket: b\n    s3_prefix: /bronze/raw/");

        Assert.Equal("bronze/raw", s.Prefix);
        Assert.Equal("eu-west-3", s.Region);
        Assert.False(s.ForcePathStyle);
        Assert.Equal(S3ChecksumMode.WhenSupported, s.ChecksumMode);
        Assert.True(s.LegacyUnchunked);
        Assert.Equal(128 * S3Settings.MiB, s.MultipartThreshold);
        Assert.Equal(8 * S3Settings.MiB, s.PartSize);
        Assert.False(s.PartSizeGrowsWithFile); // set: kept as it is
        Assert.Equal(8 * S3Settings.MiB, s.UploadPartSizeFor(512 * S3Settings.MiB));
        Assert.Equal(10, s.MaxConcurrency);
        Assert.Equal("session-token", s.SessionToken);
        Assert.Equal(16777216, Parse("part_size: 16777216").PartSize);
    }

    [Theory]
    [InlineData("endpoint_url: not a url", "platform.s3_connection.endpoint_url")]
    [InlineData("endpoint_url: ftp://host", "platform.s3_connection.endpoint_url")]
    [InlineData("endpoint_url_env: NOT_SET_ANYWHERE", "platform.s3_connection.endpoint_url_env")]
    [InlineData("endpoint_url_env: BRONZE_S3_ENDPOINT\nendpoint_url: http://x", "platform.s3_connection.endpoint_url")]
    [InlineData("region: Not A Region", "platform.s3_connection.region")]
    [InlineData("force_path_style: sometimes", "platform.s3_connection.force_path_style")]
    [InlineData("checksum_mode: always", "platform.s3_connection.checksum_mode")]
    [InlineData("legacy_unchunked: maybe", "platform.s3_connection.legacy_unchunked")]
    [InlineData("multipart_threshold: 1MiB", "platform.s3_connection.multipart_threshold")]
    [InlineData("multipart_threshold: lots", "platform.s3_connection.multipart_threshold")]
    [InlineData("part_size: 4MiB", "platform.s3_connection.part_size")]
    [InlineData("part_size: 6GiB", "platform.s3_connection.part_size")]
    [InlineData("max_concurrency: 0", "platform.s3_connection.max_concurrency")]
    [InlineData("max_concurrency: four", "platform.s3_connection.max_concurrency")]
    [InlineData("access_key_env: BRONZE_S3_ACCESS_KEY", "platform.s3_connection.secret_key_env")]
    [InlineData("secret_key_env: BRONZE_S3_SECRET_KEY", "platform.s3_connection.access_key_env")]
    [InlineData("access_key_env: BRONZE_S3_ACCESS_KEY\nsecret_key_env: UNSET_SECRET_VAR", "platform.s3_connection.secret_key_env")]
    public void A_bad_connection_value_names_its_key(string connection, string key)
    {
        var error = Fails(connection);

        Assert.Equal(key, error.Key);
        Assert.Contains(key, error.Message);
        Assert.Contains("platform.yaml", error.Message);
        Assert.DoesNotContain("very-secret-value", error.Message);
    }

    [Theory]
    [InlineData("s3_prefix: x", "platform.bronze.s3_bucket")]
    [InlineData("s3_bucket: 'has space'", "platform.bronze.s3_bucket")]
    [InlineData("s3_bucket: a/b", "platform.bronze.s3_bucket")]
    [InlineData("s3_bucket: b\n    s3_prefix: a/../b", "platform.bronze.s3_prefix")]
    public void A_bad_bronze_value_names_its_key(string bronze, string key)
    {
        Assert.Equal(key, Fails("", bronze).Key);
    }

    [Fact]
    public void The_factory_creates_the_s3_backend_by_default_and_its_location_hides_the_keys()
    {
        var config = PlatformConfig.Parse(
            "platform:\n  bronze:\n    s3_bucket: b\n    s3_prefix: p\n  s3_connection:\n    endpoint_url_env: BRONZE_S3_ENDPOINT\n" +
            "    access_key_env: BRONZE_S3_ACCESS_KEY\n    secret_key_env: BRONZE_S3_SECRET_KEY\n", "platform.yaml", name => Variables.GetValueOrDefault(name));

        var store = BronzeStoreFactory.Create(config);

        var backend = Assert.IsType<S3Backend>(store.Backend);
        Assert.Equal("s3", store.BackendType);
        Assert.Equal("p", store.Prefix);
        Assert.DoesNotContain("very-secret-value", backend.Location + backend.Settings);
        Assert.DoesNotContain("AKIATEST", backend.Location);
    }
}
