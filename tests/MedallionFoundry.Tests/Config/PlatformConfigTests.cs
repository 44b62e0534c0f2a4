using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Local;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.Config;

public sealed class PlatformConfigTests
{
    static PlatformConfig Parse(string yaml, Func<string, string?>? environment = null) =>
        PlatformConfig.Parse(yaml.Replace("\r\n", "\n"), "platform.yaml", environment);

    // The example configs of the seed document, as written there.
    public const string SeedS3 = """
        platform:
          bronze:
            storage_backend: "s3"  # optional, defaults to s3
            s3_bucket: "analytics-bronze"
            s3_prefix: "bronze"

          s3_connection:
            endpoint_url_env: "BRONZE_S3_ENDPOINT"
            access_key_env: "BRONZE_S3_ACCESS_KEY"
            secret_key_env: "BRONZE_S3_SECRET_KEY"
        """;

    public const string SeedAzure = """
        platform:
          bronze:
            storage_backend: "azure"
            azure_storage_account: "myaccount"
            azure_container: "bronze"
            azure_prefix: "bronze"

          azure_connection:
            connection_string_env: "AZURE_STORAGE_CONNECTION_STRING"
            # Or use SAS token, service principal, etc.
        """;

    public const string SeedLocal = """
        platform:
          bronze:
            storage_backend: "local"
            local_path: "/data/bronze"
        """;

    public const string SeedBefore = """
        # Before (still works)
        platform:
          bronze:
            s3_bucket: "analytics-bronze"
            s3_prefix: "bronze"
        """;

    [Theory]
    [InlineData(SeedS3, "s3")]
    [InlineData(SeedAzure, "azure")]
    [InlineData(SeedLocal, "local")]
    [InlineData(SeedBefore, "s3")]
    public void Every_seed_example_loads_with_its_backend(string yaml, string backend)
    {
        var config = Parse(yaml);

        Assert.Equal(backend, config.BackendName);
        Assert.True(config.StorageEnabled);
    }

    [Fact]
    public void Seed_values_are_readable_by_key()
    {
        var config = Parse(SeedS3);

        Assert.Equal("analytics-bronze", config.Bronze.GetString("s3_bucket"));
        Assert.Equal("BRONZE_S3_ACCESS_KEY", config.Section("s3_connection")!.GetString("access_key_env"));
    }

    [Fact]
    public void The_local_seed_example_creates_a_local_backend_at_its_path()
    {
        var backend = BackendRegistry.Default.Create(Parse(SeedLocal));

        var local = Assert.IsType<LocalBackend>(backend);
        Assert.Equal(Path.GetFullPath("/data/bronze"), local.Root);
    }

    [Fact]
    public void Backend_names_are_case_insensitive()
    {
        var config = Parse("platform:\n  bronze:\n    storage_backend: LOCAL\n    local_path: /tmp/x\n");

        Assert.IsType<LocalBackend>(BackendRegistry.Default.Create(config));
    }

    [Fact]
    public void Relative_local_paths_resolve_against_the_base_directory()
    {
        var config = Parse("platform:\n  bronze:\n    storage_backend: local\n    local_path: lake/bronze\n");
        config.BaseDirectory = "/srv/work";

        var local = Assert.IsType<LocalBackend>(BackendRegistry.Default.Create(config));
        Assert.Equal(Path.GetFullPath("/srv/work/lake/bronze"), local.Root);
    }

    [Theory]
    [InlineData("platform:\n  bronze:\n    s3_enabled: true\n", true)]
    [InlineData("platform:\n  bronze:\n    storage_enabled: true\n", true)]
    [InlineData("platform:\n  bronze:\n    storage_enabled: false\n", false)]
    [InlineData("platform:\n  bronze:\n    storage_enabled: yes\n    s3_enabled: true\n", true)]
    public void Enabled_flags_are_read_with_the_old_name_still_accepted(string yaml, bool enabled)
    {
        Assert.Equal(enabled, Parse(yaml).StorageEnabled);
    }

    [Fact]
    public void Environment_variables_named_by_the_config_are_resolved()
    {
        var config = Parse(SeedS3, name => name == "BRONZE_S3_ACCESS_KEY" ? "AKIAEXAMPLE" : null);

        Assert.Equal("AKIAEXAMPLE", config.Section("s3_connection")!.GetFromEnvironment("access_key_env"));
    }

    [Fact]
    public void Config_from_values_matches_config_from_yaml()
    {
        var config = PlatformConfig.FromValues(new Dictionary<string, object?> { ["storage_backend"] = "Local", ["local_path"] = "/tmp/bronze" });

        Assert.Equal("local", config.BackendName);
        Assert.IsType<LocalBackend>(BackendRegistry.Default.Create(config));
    }

    [Fact]
    public void A_config_file_on_disk_loads_and_errors_name_the_file()
    {
        var folder = Contract.TestData.TempFolder("config");
        var file = Path.Combine(folder, "platform.yaml");
        File.WriteAllText(file, "platform:\n  bronze:\n    storage_backend: local\n    local_path: 5: x\n");

        var error = Assert.Throws<ConfigException>(() => PlatformConfig.Load(file));

        Assert.StartsWith($"{file}:4:", error.Message);
    }

    public static TheoryData<string, string, string> InvalidConfigs => new()
    {
        // yaml, expected key (or "" when none), expected message fragment
        { "platform:\n  bronze:\n\tstorage_backend: local\n", "", "platform.yaml:3: The file is not valid YAML" },
        { "bronze:\n  storage_backend: local\n", "platform", "The key 'platform' is required at the top" },
        { "platform: local\n", "platform", "The key 'platform' must be a mapping of keys" },
        { "platform:\n  s3_connection:\n    region: eu-west-1\n", "platform.bronze", "The section 'platform.bronze' is required" },
        { "platform:\n  bronze:\n    - local\n", "platform.bronze", "must be a mapping of keys, not a list" },
        { "platform:\n  bronze:\n    storage_backend: ftp\n", "platform.bronze.storage_backend", "The storage backend 'ftp' in 'platform.bronze.storage_backend' is not known. Available backends: " },
        { "platform:\n  bronze:\n    storage_backend: local\n", "platform.bronze.local_path", "The key 'platform.bronze.local_path' is required" },
        { "platform:\n  bronze:\n    storage_backend: local\n    local_path: ''\n", "platform.bronze.local_path", "The key 'platform.bronze.local_path' must not be empty" },
        { "platform:\n  bronze:\n    storage_backend: local\n    local_path:\n      a: b\n", "platform.bronze.local_path", "must be a single value, not a mapping" },
        { "platform:\n  bronze:\n    storage_backend: local\n    local_path: /x\n    storage_enabled: maybe\n", "platform.bronze.storage_enabled", "must be true or false, not 'maybe'" },
        { "platform:\n  bronze:\n    storage_backend: local\n    local_path: /x\n    storage_enabled: false\n", "platform.bronze.storage_enabled", "Storage is disabled" },
        { "platform:\n  bronze:\n    storage_backend: local\n    local_path: /x\n    storage_enabled: true\n    s3_enabled: false\n", "platform.bronze.s3_enabled", "disagree" },
        { "platform:\n  bronze:\n    storage_backend: ''\n", "platform.bronze.storage_backend", "must not be empty" },
        { "platform:\n  bronze:\n    storage_backend: local\n    storage_backend: s3\n", "", "platform.yaml:4:" },
        { "", "platform", "must be a YAML mapping with 'platform:' at the top" },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigs))]
    public void Invalid_configs_fail_with_a_message_naming_the_key(string yaml, string key, string fragment)
    {
        var error = Assert.Throws<ConfigException>(() =>
        {
            var config = Parse(yaml);
            BackendRegistry.Default.Create(config);
        });

        Assert.Contains(fragment, error.Message);
        if (key.Length > 0) Assert.Equal(key, error.Key);
        Assert.DoesNotContain("   at ", error.Message); // no stack trace in what the user reads
    }

    [Fact]
    public void An_environment_variable_that_is_not_set_is_named_without_any_value()
    {
        var config = Parse(SeedS3, _ => null);

        var error = Assert.Throws<ConfigException>(() => config.Section("s3_connection")!.GetFromEnvironment("secret_key_env"));

        Assert.Equal("platform.s3_connection.secret_key_env", error.Key);
        Assert.Contains("'BRONZE_S3_SECRET_KEY', which is not set", error.Message);
        Assert.Equal(10, error.Line);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var error = Assert.Throws<ConfigException>(() => PlatformConfig.Load("/no/such/platform.yaml"));

        Assert.Contains("The config file '/no/such/platform.yaml' does not exist", error.Message);
    }

    [Theory]
    [InlineData("30", 30)]
    [InlineData("0.5", 0.5)]
    [InlineData("500ms", 0.5)]
    [InlineData("2m", 120)]
    public void Durations_accept_seconds_or_units(string text, double seconds)
    {
        var section = new ConfigSection("platform.bronze", new Dictionary<string, object?> { ["timeout"] = text });

        Assert.Equal(TimeSpan.FromSeconds(seconds), section.GetDuration("timeout"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("soon")]
    public void Bad_durations_name_the_key(string text)
    {
        var section = new ConfigSection("platform.bronze.retry", new Dictionary<string, object?> { ["base_delay"] = text });

        var error = Assert.Throws<ConfigException>(() => section.GetDuration("base_delay"));
        Assert.Equal("platform.bronze.retry.base_delay", error.Key);
    }
}
