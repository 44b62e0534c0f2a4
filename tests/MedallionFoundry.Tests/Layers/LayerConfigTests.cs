using MedallionFoundry.Backends;
using MedallionFoundry.Backends.Layers;
using MedallionFoundry.Config;
using MedallionFoundry.Tests.Contract;

namespace MedallionFoundry.Tests.Layers;

/// <summary>platform.bronze.layers: parsed from YAML, stacked in the order written, shown in Location; errors name the entry and key.</summary>
public sealed class LayerConfigTests
{
    static readonly string Root = TestData.TempFolder("layer-config");

    static PlatformConfig Parse(string layers, Func<string, string?>? environment = null) => PlatformConfig.Parse($"""
        platform:
          bronze:
            storage_backend: local
            local_path: {Root}
            layers:
        {layers}
        """.Replace("\r\n", "\n"), "platform.yaml", environment);

    static ConfigException Fails(string layers)
    {
        var config = Parse(layers);
        return Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(config));
    }

    [Fact]
    public void Layers_stack_in_the_order_written_and_show_in_Location()
    {
        var store = BronzeStoreFactory.Create(Parse("""
                  - compress: { algorithm: gzip, level: 9 }
                  - compress: { algorithm: zstd }
            """));

        Assert.Equal($"gzip → zstd → {Root}", store.Backend.Location);
        var outer = Assert.IsType<CompressLayer>(store.Backend);
        Assert.IsType<CompressLayer>(outer.Inner);
        Assert.Equal("local", store.BackendType);
    }

    [Fact]
    public void A_layer_may_be_named_alone_and_takes_its_defaults()
    {
        var store = BronzeStoreFactory.Create(Parse("      - compress"));
        Assert.Equal($"zstd → {Root}", store.Backend.Location);
    }

    [Fact]
    public void An_unknown_layer_is_named_with_a_suggestion()
    {
        var error = Fails("      - compres: { algorithm: zstd }");
        Assert.Contains("'compres'", error.Message);
        Assert.Contains("platform.bronze.layers[0]", error.Message);
        Assert.Contains("Did you mean 'compress'?", error.Message);
        Assert.Contains("platform.yaml:", error.Message);
    }

    [Fact]
    public void An_unknown_key_of_a_layer_is_named_with_a_suggestion()
    {
        var error = Fails("""
                  - compress: { algorithm: zstd }
                  - compress: { algoritm: gzip }
            """);
        Assert.Equal("platform.bronze.layers[1].compress.algoritm", error.Key);
        Assert.Contains("did you mean 'algorithm'?", error.Message);
    }

    [Theory]
    [InlineData("      - compress: { algorithm: lz4 }", "platform.bronze.layers[0].compress.algorithm", "zstd or gzip")]
    [InlineData("      - compress: { level: 30 }", "platform.bronze.layers[0].compress.level", "between 1 and 22")]
    [InlineData("      - compress: { algorithm: gzip, level: 12 }", "platform.bronze.layers[0].compress.level", "between 1 and 9 for gzip")]
    public void A_bad_value_names_its_key(string layers, string key, string text)
    {
        var error = Fails(layers);
        Assert.Equal(key, error.Key);
        Assert.Contains(text, error.Message);
    }

    [Fact]
    public void Layers_must_be_a_list_of_single_layer_entries()
    {
        var notList = Assert.Throws<ConfigException>(() => BronzeStoreFactory.Create(PlatformConfig.Parse($"""
            platform:
              bronze:
                storage_backend: local
                local_path: {Root}
                layers: compress
            """.Replace("\r\n", "\n"), "platform.yaml")));
        Assert.Equal("platform.bronze.layers", notList.Key);
        Assert.Contains("must be a list", notList.Message);

        var two = Fails("      - { compress: { algorithm: zstd }, cache: {} }");
        Assert.Contains("platform.bronze.layers[0]", two.Message);
        Assert.Contains("must name one layer", two.Message);
    }

    [Fact]
    public void Without_layers_the_backend_is_unwrapped()
    {
        var store = BronzeStoreFactory.Create(PlatformConfig.Parse($"platform:\n  bronze:\n    storage_backend: local\n    local_path: {Root}\n", "platform.yaml"));
        Assert.IsNotType<CompressLayer>(store.Backend);
        Assert.Equal(Root, store.Backend.Location);
    }
}
