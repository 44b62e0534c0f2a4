# Dependency isolation: the module works in a session where OTHER versions of its SDK assemblies are
# already loaded (as Az.Storage or AWS.Tools would load them), because MedallionFoundry.Core and its
# dependencies live in the module's own AssemblyLoadContext. Each case runs in a fresh pwsh.
BeforeDiscovery {
    . $PSScriptRoot/Common.ps1
    # A round trip on every registered backend that needs a server (S3/Azure once their branches land).
    $registered = @((TabExpansion2 -inputScript 'Connect-BronzeStorage -Backend ' -cursorColumn 31).CompletionMatches.CompletionText)
    $script:ServerBackends = @(
        @{ Backend = 'S3'; Variable = 'MF_TEST_S3_ENDPOINT' }
        @{ Backend = 'Azure'; Variable = 'MF_TEST_AZURE_CONNECTION_STRING' }
    ) | Where-Object { $registered -contains $_.Backend.ToLowerInvariant() }
}

BeforeAll {
    . $PSScriptRoot/Common.ps1
    $project = Join-Path $PSScriptRoot 'IsolationPackages/IsolationPackages.csproj'
    & dotnet restore $project --nologo -v quiet
    if ($LASTEXITCODE -ne 0) { throw "Restoring $project failed." }
    $packages = ((dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    $versions = @{}
    ([xml](Get-Content $project -Raw)).Project.ItemGroup.PackageDownload | ForEach-Object { $versions[$_.Include] = $_.Version.Trim('[]') }
    $script:OtherVersions = $versions
    $script:Preload = @(
        Join-Path $packages "yamldotnet/$($versions.YamlDotNet)/lib/net8.0/YamlDotNet.dll"
        Join-Path $packages "awssdk.core/$($versions.'AWSSDK.Core')/lib/net8.0/AWSSDK.Core.dll"
        Join-Path $packages "azure.core/$($versions.'Azure.Core')/lib/net6.0/Azure.Core.dll"
    )
    foreach ($dll in $Preload) { if (-not (Test-Path $dll)) { throw "The restored package file $dll is missing." } }

    # The start of every child script: load the other versions, and USE them, before the module.
    function New-IsolatedScript([string] $Body) {
        $loads = ($Preload | ForEach-Object { "[void][Reflection.Assembly]::LoadFrom('$_')" }) -join "`n"
        @"
`$ErrorActionPreference = 'Stop'
$loads
[void][YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize[object]('a: 1')
[void][Amazon.Runtime.BasicAWSCredentials]::new('key', 'secret')
[void][Azure.Core.HttpHeader]::new('x', 'y')
Import-Module '$ModuleManifest'
function Show-Assemblies {
    [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'YamlDotNet', 'AWSSDK.Core', 'Azure.Core', 'MedallionFoundry.Core' } |
        ForEach-Object { 'ASSEMBLY {0} {1} {2}' -f `$_.GetName().Name, `$_.GetName().Version, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
}
function Test-RoundTrip([string] `$Connection) {
    `$work = Join-Path ([IO.Path]::GetTempPath()) "mf-iso-`$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory `$work | Out-Null
    `$bytes = [byte[]]::new(300000); [Random]::new(7).NextBytes(`$bytes); [IO.File]::WriteAllBytes("`$work/in.bin", `$bytes)
    `$remote = "isolation/`$([guid]::NewGuid().ToString('N'))/in.bin"
    Send-BronzeFile -Path "`$work/in.bin" -Destination `$remote -Connection `$Connection
    `$listed = @(Get-BronzeFileList -Prefix (Split-Path `$remote -Parent).Replace('\','/') -Connection `$Connection)
    Get-BronzeFile -Path `$remote -Destination "`$work/out.bin" -Connection `$Connection | Out-Null
    Remove-BronzeFile -Path `$remote -Connection `$Connection
    `$same = (Get-FileHash "`$work/in.bin").Hash -eq (Get-FileHash "`$work/out.bin").Hash
    'ROUNDTRIP {0} listed={1} same={2} left={3}' -f `$Connection, `$listed.Count, `$same, @(Get-BronzeFileList -Prefix `$remote -Connection `$Connection).Count
}
$Body
"@
    }
}

Describe 'Dependency isolation' {
    It 'keeps the cmdlet assembly free of SDK references: only Core crosses into the module''s context' {
        $moduleRoot = Split-Path $ModuleManifest
        $dependencies = @(Get-ChildItem (Join-Path $moduleRoot 'dependencies') -Filter *.dll | ForEach-Object BaseName)
        $script = @"
`$asm = [Reflection.Assembly]::LoadFile('$(Join-Path $moduleRoot 'MedallionFoundry.dll')')
`$asm.GetReferencedAssemblies().Name
"@
        $names = (Invoke-ChildPwsh $script).Output -split "`n"
        $names | Should -Contain 'MedallionFoundry.Core'
        @($names | Where-Object { $_ -in $dependencies -and $_ -ne 'MedallionFoundry.Core' }) | Should -BeNullOrEmpty
        @(Get-ChildItem $moduleRoot -Filter *.dll).Name | Should -Be @('MedallionFoundry.dll')
    }

    It 'lists the version of every assembly in dependencies/ for the module''s load context' {
        # DependencyLoadContext compares these with the framework's copies instead of reading the files,
        # which would load System.Reflection.Metadata into the session.
        $dependencies = Join-Path (Split-Path $ModuleManifest) 'dependencies'
        $listed = @{}
        foreach ($line in Get-Content (Join-Path $dependencies 'assembly-versions.txt')) { $path, $version = $line -split "`t"; $listed[$path] = $version }
        $files = @(Get-ChildItem $dependencies -Filter *.dll -Recurse)
        $files.Count | Should -BeGreaterThan 20
        $listed.Count | Should -Be $files.Count
        foreach ($file in $files) {
            $relative = [IO.Path]::GetRelativePath($dependencies, $file.FullName).Replace('\', '/')
            $listed[$relative] | Should -Be ([Reflection.AssemblyName]::GetAssemblyName($file.FullName).Version.ToString()) -Because $relative
        }
    }

    It 'works on the local backend with other YamlDotNet, AWSSDK.Core and Azure.Core versions loaded first' {
        $root = New-TestFolder 'iso-store'
        $config = Join-Path (New-TestFolder 'iso-config') 'platform.yaml'
        Set-Content $config "platform:`n  bronze:`n    storage_backend: local`n    local_path: '$root'"
        $run = Invoke-ChildPwsh (New-IsolatedScript @"
Connect-BronzeStorage -ConfigPath '$config' -Name local
Test-RoundTrip local
# What the module's own context resolves, even though other versions sit in the default context.
`$alc = [Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'MedallionFoundry'
foreach (`$name in 'AWSSDK.Core', 'Azure.Core') { [void]`$alc.LoadFromAssemblyName([Reflection.AssemblyName]::new(`$name)) }
Show-Assemblies
"@)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'ROUNDTRIP local listed=1 same=True left=0'
        # The versions loaded first stay in the default context, the module's own in its context.
        $run.Output | Should -Match "ASSEMBLY YamlDotNet $($OtherVersions.YamlDotNet.Split('.')[0])\.\S+ Default"
        $run.Output | Should -Match 'ASSEMBLY YamlDotNet 18\.\S+ MedallionFoundry'
        $run.Output | Should -Match 'ASSEMBLY AWSSDK.Core 3\.\S+ Default'
        $run.Output | Should -Match 'ASSEMBLY AWSSDK.Core 4\.\S+ MedallionFoundry'
        $run.Output | Should -Match 'ASSEMBLY Azure.Core 1\.38\.\S+ Default'
        $run.Output | Should -Match 'ASSEMBLY Azure.Core 1\.(?!38\.)\S+ MedallionFoundry'
        $run.Output | Should -Match 'ASSEMBLY MedallionFoundry.Core \S+ MedallionFoundry'
    }

    It 'keeps Core''s type names usable in scripts' {
        $run = Invoke-ChildPwsh (New-IsolatedScript @"
Connect-BronzeStorage -Backend Local -Path '$(New-TestFolder 'iso-types')'
'TYPE ' + [MedallionFoundry.Storage.RemoteObject].FullName
"@)
        $run.Output | Should -Match 'TYPE MedallionFoundry.Storage.RemoteObject'
    }

    It 'round-trips on <Backend> with the other versions loaded first' -ForEach $ServerBackends -AllowNullOrEmptyForEach {
        $value = Get-RequiredTestVariable $Variable
        $name = "mf-iso-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
        $connect = if ($Backend -eq 'S3') {
            $key = Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'
            $secret = Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY'
            # The bucket is made with an anonymous PUT, which the S3 test server accepts.
            Invoke-WebRequest -Method Put -Uri "$value/$name" -UseBasicParsing | Out-Null
            "Connect-BronzeStorage -Backend S3 -Bucket '$name' -EndpointUrl '$value' -Credential ([pscredential]::new('$key', (ConvertTo-SecureString '$secret' -AsPlainText -Force))) -Name remote"
        }
        else {
            "Connect-BronzeStorage -Backend Azure -Container '$name' -ConnectionString `$env:$Variable -CreateContainer -Name remote"
        }
        $run = Invoke-ChildPwsh (New-IsolatedScript @"
$connect
Test-RoundTrip remote
Show-Assemblies
"@)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'ROUNDTRIP remote listed=1 same=True left=0'
        $run.Output | Should -Match 'ASSEMBLY MedallionFoundry.Core \S+ MedallionFoundry'
    }
}
