using System.Globalization;
using System.Text;
using MedallionFoundry.Backends;
using MedallionFoundry.Config;

namespace MedallionFoundry.Tests.Config;

/// <summary>
/// Enumerates the declared option table of every built-in backend: each option's bad values fail the
/// same way from YAML and from parameters, naming the key (and the parameter), never a .NET exception.
/// A new option is covered by being declared.
/// </summary>
public sealed class OptionTableTests
{
    const string Secret = "MfTopSecretValue-7f3a";

    /// <summary>The smallest valid config of each backend, as section path -> key -> value.</summary>
    static Dictionary<string, Dictionary<string, string>> Base(string backend) => backend switch
    {
        "local" => new() { ["platform.bronze"] = new() { ["storage_backend"] = "local", ["local_path"] = "/tmp/mf-options" } },
        "s3" => new()
        {
            ["platform.bronze"] = new() { ["storage_backend"] = "s3", ["s3_bucket"] = "bucket" },
            ["platform.s3_connection"] = new() { ["endpoint_url"] = "http://127.0.0.1:9" },
        },
        _ => new()
        {
            ["platform.bronze"] = new() { ["storage_backend"] = "azure", ["azure_container"] = "bronze" },
            ["platform.azure_connection"] = new() { ["account_name_env"] = "MF_ACCOUNT", ["account_key_env"] = "MF_KEY", ["account_url"] = "http://127.0.0.1:9/devstoreaccount1" },
        },
    };

    static readonly Dictionary<string, string> Environment = new()
    {
        ["MF_ACCOUNT"] = "devstoreaccount1",
        ["MF_KEY"] = Convert.ToBase64String(Encoding.ASCII.GetBytes("a-shared-key-of-some-length")),
        ["MF_SECRET_VAR"] = Secret,
    };

    static string? Env(string name) => Environment.GetValueOrDefault(name);

    static string Render(Dictionary<string, Dictionary<string, string>> sections)
    {
        var yaml = new StringBuilder("platform:\n");
        void Write(string path, int indent)
        {
            var pad = new string(' ', indent);
            foreach (var (key, value) in sections.GetValueOrDefault(path) ?? new())
                yaml.Append(pad).Append(key).Append(": '").Append(value.Replace("'", "''")).Append("'\n");
            foreach (var child in sections.Keys.Where(k => k.StartsWith(path + ".", StringComparison.Ordinal) && k.Count(c => c == '.') == path.Count(c => c == '.') + 1))
            {
                yaml.Append(pad).Append(child[(path.Length + 1)..]).Append(":\n");
                Write(child, indent + 2);
            }
        }
        foreach (var top in sections.Keys.Where(k => k.Count(c => c == '.') == 1).OrderBy(k => k == "platform.bronze" ? 0 : 1))
        {
            yaml.Append("  ").Append(top["platform.".Length..]).Append(":\n");
            Write(top, 4);
        }
        return yaml.ToString();
    }

    static BackendDescriptor Descriptor(string backend) { BackendRegistry.Default.TryGet(backend, out var d); return d; }

    /// <summary>Builds the store from YAML with the option set (or removed when value is null).</summary>
    static Exception? FromYaml(string backend, OptionDeclaration option, string? value)
    {
        var sections = Base(backend);
        if (!sections.TryGetValue(option.Section, out var section)) sections[option.Section] = section = new();
        if (value is null) section.Remove(option.Key); else section[option.Key] = value;
        return Record.Exception(() => BronzeStoreFactory.Create(PlatformConfig.Parse(Render(sections), "platform.yaml", Env)));
    }

    /// <summary>Builds the store with the option given as its Connect-BronzeStorage parameter instead.</summary>
    static Exception? FromParameter(string backend, OptionDeclaration option, string? value)
    {
        var sections = Base(backend);
        sections.GetValueOrDefault(option.Section)?.Remove(option.Key);
        // The other options that share the parameter (the credential pair) come with it too.
        foreach (var sibling in Descriptor(backend).AllOptions.Where(o => o.Parameter == option.Parameter))
            sections.GetValueOrDefault(sibling.Section)?.Remove(sibling.Key);
        return Record.Exception(() =>
        {
            var config = PlatformConfig.Parse(Render(sections), "platform.yaml", Env);
            var values = new Dictionary<string, object?>
            {
                [option.Parameter!] = option.ParameterPart == CredentialPart.None ? value
                    : new System.Net.NetworkCredential(option.ParameterPart == CredentialPart.UserName ? value : "user", option.ParameterPart == CredentialPart.Password ? value : "secret"),
            };
            BronzeStoreFactory.Create(OptionParameters.Apply(config, Descriptor(backend), values, BackendRegistry.Default));
        });
    }

    static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Values each type must refuse: wrong type, out of range, overflow.</summary>
    static IEnumerable<string> BadValues(OptionDeclaration option) => option.Type switch
    {
        OptionType.Int => ["many", "2.5", "1e400", "99999999999999999999", Show((option.Max ?? int.MaxValue) + 1), Show((option.Min ?? int.MinValue) - 1)],
        OptionType.Number => ["many", "1e400", "-1e400", "NaN", Show((option.Max ?? 1e300) * 10)],
        OptionType.Duration => ["soon", "-1", "1e400", "1e12", "1e12m", Show((option.Max ?? OptionValues.MaxDurationSeconds) + 1)],
        OptionType.Size => ["lots", "-1", "1e400", "99999999999TiB", Show((option.Max ?? 1e18) + 1), option.Min is { } min && min > 0 ? Show(min - 1) : "x"],
        OptionType.Bool => ["maybe", "2"],
        OptionType.Enum => ["none_of_them"],
        _ => [],
    };

    public static TheoryData<string, string> EveryOption()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in new[] { "local", "s3", "azure" })
            foreach (var option in Descriptor(backend).AllOptions)
                data.Add(backend, option.FullKey);
        return data;
    }

    static OptionDeclaration Find(string backend, string fullKey) => Descriptor(backend).AllOptions.Single(o => o.FullKey == fullKey);

    [Fact]
    public void The_table_covers_every_built_in_backend_and_the_shared_options()
    {
        Assert.True(EveryOption().Count() >= 3 * 13 + 14 + 18 + 1 - 3); // three backends, each with the shared options
        foreach (var backend in new[] { "local", "s3", "azure" })
            Assert.All(Descriptor(backend).AllOptions, o => Assert.False(string.IsNullOrWhiteSpace(o.Help), $"{o.FullKey} has no help line"));
    }

    [Theory]
    [MemberData(nameof(EveryOption))]
    public void A_bad_value_fails_the_same_way_from_yaml_and_from_its_parameter(string backend, string fullKey)
    {
        var option = Find(backend, fullKey);
        foreach (var value in BadValues(option))
        {
            var yaml = FromYaml(backend, option, value);
            var yamlError = Assert.IsType<ConfigException>(yaml);
            Assert.Equal(option.FullKey, yamlError.Key);
            Assert.StartsWith("platform.yaml:", yamlError.Message);
            if (option.Parameter is null) continue;

            var parameterError = Assert.IsType<ConfigException>(FromParameter(backend, option, value));
            Assert.Equal(option.FullKey, parameterError.Key);
            Assert.Equal(option.Parameter, parameterError.Parameter);
            // The same message, without the file and line and with the parameter named.
            Assert.Equal(yamlError.Message[(yamlError.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..] + $" (given as -{option.Parameter})", parameterError.Message);
        }
    }

    [Theory]
    [MemberData(nameof(EveryOption))]
    public void A_missing_required_value_fails_the_same_way_both_ways(string backend, string fullKey)
    {
        var option = Find(backend, fullKey);
        if (!option.Required) return;

        var yamlError = Assert.IsType<ConfigException>(FromYaml(backend, option, null));
        Assert.Equal(option.FullKey, yamlError.Key);
        Assert.Contains($"The key '{option.FullKey}' is required", yamlError.Message);

        // The parameter form of Connect-BronzeStorage starts from nothing but the backend name.
        var config = PlatformConfig.FromValues(new Dictionary<string, object?> { ["storage_backend"] = backend }, environment: Env);
        var parameterError = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(config));
        Assert.Equal(option.FullKey, parameterError.Key);
        Assert.Contains($"Give -{option.Parameter}", parameterError.Message);
    }

    [Theory]
    [MemberData(nameof(EveryOption))]
    public void A_good_value_is_accepted_both_ways(string backend, string fullKey)
    {
        var option = Find(backend, fullKey);
        var value = option.Type switch
        {
            OptionType.Int or OptionType.Number => Show(option.Min ?? 1),
            OptionType.Duration => option.DefaultValue is TimeSpan t ? Show(t.TotalSeconds) + "s" : Show((option.Min ?? 0) + 1),
            OptionType.Size => Show(option.Min ?? 1024),
            OptionType.Bool => option.OneOfGroup is null ? "true" : "false",
            OptionType.Enum => option.Allowed[0],
            _ => null,
        };
        if (value is null) return; // strings have their own rules, tested per backend
        Assert.Null(FromYaml(backend, option, value));
        if (option.Parameter is not null) Assert.Null(FromParameter(backend, option, value));
    }

    [Theory]
    [MemberData(nameof(EveryOption))]
    public void The_value_of_a_variable_named_by_an_env_key_is_never_echoed(string backend, string fullKey)
    {
        // A swapped name (endpoint_url_env: the secret key's variable) must not print the secret.
        var option = Find(backend, fullKey);
        if (option.Type != OptionType.EnvVarName) return;

        var error = FromYaml(backend, option, "MF_SECRET_VAR");

        if (error is not null)
        {
            Assert.DoesNotContain(Secret, error.ToString());
            Assert.IsType<ConfigException>(error);
        }
    }

    [Theory]
    [InlineData("platform.bronze", "s3_prefx", "s3", "s3_prefix")]
    [InlineData("platform.bronze", "s3_buckett", "s3", "s3_bucket")]
    [InlineData("platform.bronze", "azure_contaner", "azure", "azure_container")]
    [InlineData("platform.bronze", "local_pth", "local", "local_path")]
    [InlineData("platform.bronze.retry", "max_atempts", "local", "max_attempts")]
    [InlineData("platform.bronze", "prefix_s3", "s3", "s3_prefix")]
    [InlineData("platform.s3_connection", "regoin", "s3", "region")]
    [InlineData("platform", "s3_conection", "s3", "s3_connection")]
    public void A_near_miss_typo_fails_with_the_key_meant_and_the_line(string section, string written, string backend, string meant)
    {
        var sections = Base(backend);
        if (section == "platform")
            sections["platform." + written] = new() { ["region"] = "us-east-1" };
        else
        {
            if (!sections.TryGetValue(section, out var values)) sections[section] = values = new();
            values[written] = "x";
        }
        var yaml = Render(sections);

        var error = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(PlatformConfig.Parse(yaml, "platform.yaml", Env)));

        var line = yaml.Split('\n').ToList().FindIndex(l => l.TrimStart().StartsWith(written + ":", StringComparison.Ordinal)) + 1;
        Assert.Equal($"platform.yaml:{line}: '{section}.{written}' is not a known key; did you mean '{meant}'?", error.Message);
        Assert.Equal($"{section}.{written}", error.Key);
    }

    [Fact]
    public void Unknown_framework_keys_under_bronze_are_accepted_and_listed_for_verbose()
    {
        var yaml = "platform:\n  bronze:\n    storage_backend: local\n    local_path: /tmp/mf-options\n    partitioning:\n      scheme: hive\n    output_defaults:\n      format: parquet\n";
        var notes = new List<string>();

        var store = BronzeStoreFactory.Create(PlatformConfig.Parse(yaml, "platform.yaml"), verbose: notes.Add);

        Assert.Equal("local", store.BackendType);
        Assert.Equal(2, notes.Count);
        Assert.Contains("platform.bronze.partitioning (line 5)", notes[0]);
        Assert.Contains("platform.bronze.output_defaults (line 7)", notes[1]);
    }

    [Theory]
    [InlineData("platform.s3_connection", "verify_tls", "s3")]
    [InlineData("platform.azure_connection", "account", "azure")]
    [InlineData("platform.bronze.circuit_breaker", "half_open", "local")]
    public void An_unknown_key_in_a_section_the_module_owns_fails(string section, string key, string backend)
    {
        var sections = Base(backend);
        if (!sections.TryGetValue(section, out var values)) sections[section] = values = new();
        values[key] = "x";

        var error = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(PlatformConfig.Parse(Render(sections), "platform.yaml", Env)));

        Assert.Equal($"{section}.{key}", error.Key);
        Assert.Contains($"'{section}.{key}' is not a known key of '{section}'. Known keys: ", error.Message);
    }

    [Fact]
    public void A_parameter_of_another_backend_is_an_error_naming_it()
    {
        var config = PlatformConfig.FromValues(new Dictionary<string, object?> { ["storage_backend"] = "local" });
        var values = new Dictionary<string, object?> { ["Path"] = "/tmp/x", ["Bucket"] = "b" };

        var error = Assert.Throws<ParameterNotApplicableException>(() => OptionParameters.Apply(config, Descriptor("local"), values, BackendRegistry.Default));

        Assert.Equal("Bucket", error.Parameter);
        Assert.StartsWith("The parameter -Bucket does not apply to the 'local' backend. Its parameters: -Path, ", error.Message);
    }

    [Fact]
    public void One_size_parser_rounds_the_same_for_every_backend()
    {
        // 1.5 KiB is 1536 bytes; 0.0001 KiB rounds to 0 bytes: both via the one parser.
        var section = new ConfigSection("platform.x", new Dictionary<string, object?> { ["a"] = "1.5KiB", ["b"] = "8MB", ["c"] = "8m" });
        Assert.Equal(1536, OptionValues.ParseSize(section, "a", "1.5KiB", 0, long.MaxValue));
        Assert.Equal(8L << 20, OptionValues.ParseSize(section, "b", "8MB", 0, long.MaxValue));
        Assert.Equal(8L << 20, OptionValues.ParseSize(section, "c", "8m", 0, long.MaxValue));
    }

    [Fact]
    public void A_billion_laughs_file_fails_fast_with_a_message_naming_the_file()
    {
        var yaml = new StringBuilder("platform:\n  bronze:\n    storage_backend: local\n    local_path: /tmp/x\n    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
            yaml.Append($"    a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        // This thread's allocations only: tests running beside this one allocate too.
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<ConfigException>(() => PlatformConfig.Parse(yaml.ToString(), "bomb.yaml"));

        Assert.StartsWith("bomb.yaml:", error.Message);
        Assert.Contains("more than 100000 values through its aliases", error.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 200L << 20, "allocated more than 200 MB");
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{a: ", "}")]
    public void Deep_nesting_fails_with_a_message_instead_of_overflowing_the_stack(string open, string close)
    {
        var deep = string.Concat(Enumerable.Repeat(open, 40_000)) + string.Concat(Enumerable.Repeat(close, 40_000));
        var yaml = $"platform:\n  bronze:\n    storage_backend: local\n    x: {deep}\n";

        var error = Assert.Throws<ConfigException>(() => PlatformConfig.Parse(yaml, "deep.yaml"));

        Assert.Equal("deep.yaml:4: The file nests mappings or lists deeper than 64 levels.", error.Message);
    }
}
