using System.Reflection;
using MedallionFoundry.Storage;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MedallionFoundry.Tests.Custom;

/// <summary>Compiles C# source into a DLL on disk at test time (Roslyn), as a user's backend project would be built.</summary>
public static class CSharpCompiler
{
    /// <summary>Compiles <paramref name="source"/> against the running .NET and MedallionFoundry.Core; returns the DLL path.</summary>
    public static string CompileToFile(string assemblyName, string source)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(StorageBackend).Assembly.Location)
            .Distinct()
            .Select(p => MetadataReference.CreateFromFile(p))
            .ToList();

        var compilation = CSharpCompilation.Create(assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var folder = Contract.TestData.TempFolder("compiled-backend");
        var path = Path.Combine(folder, assemblyName + ".dll");
        using (var output = File.Create(path))
        {
            var result = compilation.Emit(output);
            if (!result.Success)
                throw new InvalidOperationException("The test backend does not compile:\n" +
                    string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }
        return path;
    }
}
