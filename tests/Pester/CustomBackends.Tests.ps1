# Custom storage backends as a user sees them: registration errors by full error id, a registered
# name selected from YAML, visibility from other runspaces, a recording backend watching a
# Send-BronzeFile pipeline, and docs/extending.md run as written in a fresh pwsh.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Ops = @{
        Upload   = { param($LocalPath, $Key, $Config) }
        Download = { param($Key, $LocalPath, $Config) }
        List     = { param($Prefix, $Recursive, $Config) }
        Delete   = { param($Key, $Config) }
    }

    # The full id of the terminating error a registration throws.
    function Get-RegistrationErrorId([scriptblock] $Registration) {
        try { & $Registration; return '(no error)' }
        catch { return $_.FullyQualifiedErrorId }
    }

    function New-UniqueName([string] $Stem) { "$Stem$([guid]::NewGuid().ToString('N').Substring(0, 8))" }

    # A folder-backed script backend (the shape docs/extending.md explains), registered under $Name.
    function Register-FolderBackend([string] $Name) {
        Register-BronzeStorageBackend -Name $Name -RequiredKey root -Upload {
            param($LocalPath, $Key, $Config)
            $target = Join-Path $Config.root $Key
            New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
            Copy-Item -LiteralPath $LocalPath -Destination $target -Force
        } -Download {
            param($Key, $LocalPath, $Config)
            Copy-Item -LiteralPath (Join-Path $Config.root $Key) -Destination $LocalPath
        } -List {
            param($Prefix, $Recursive, $Config)
            if (-not (Test-Path -LiteralPath $Config.root)) { return }
            Get-ChildItem -LiteralPath $Config.root -Recurse -File | ForEach-Object {
                $key = [IO.Path]::GetRelativePath($Config.root, $_.FullName).Replace('\', '/')
                if ($key.StartsWith($Prefix, [StringComparison]::Ordinal)) {
                    [pscustomobject]@{ Key = $key; Size = $_.Length; LastModified = $_.LastWriteTimeUtc }
                }
            }
        } -Delete {
            param($Key, $Config)
            Remove-Item -LiteralPath (Join-Path $Config.root $Key) -ErrorAction Ignore
        }
    }

    $script:CoreDll = Join-Path (Get-Module MedallionFoundry).ModuleBase 'dependencies/MedallionFoundry.Core.dll'
    $script:Command = 'MedallionFoundry.Commands.RegisterBronzeStorageBackendCommand'
}

Describe 'Register-BronzeStorageBackend refuses bad registrations' {
    It 'a missing scriptblock is MissingMethod' {
        $id = Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -Upload $Ops.Upload -Download $Ops.Download -List $Ops.List }
        $id | Should -Be "RegisterBronzeStorageBackendMissingMethod,$Command"
    }

    It 'a scriptblock with the wrong parameters is WrongParameters' {
        $id = Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -Upload { param($Path, $Key) } -Download $Ops.Download -List $Ops.List -Delete $Ops.Delete }
        $id | Should -Be "RegisterBronzeStorageBackendWrongParameters,$Command"
    }

    It 'a module missing a function is MissingMethod and one with a wrong signature is WrongParameters' {
        $folder = New-TestFolder 'bad-module'
        Set-Content (Join-Path $folder 'Missing.psm1') 'function Send-StorageObject { param($LocalPath, $Key, $Config) }'
        Set-Content (Join-Path $folder 'Wrong.psm1') @'
function Send-StorageObject { param($LocalPath, $Key, $Config) }
function Receive-StorageObject { param($Key, $LocalPath, $Config) }
function Get-StorageObjectList { param($Prefix, $Config) }
function Remove-StorageObject { param($Key, $Config) }
'@
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -Module (Join-Path $folder 'Missing.psm1') } |
            Should -Be "RegisterBronzeStorageBackendMissingMethod,$Command"
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -Module (Join-Path $folder 'Wrong.psm1') } |
            Should -Be "RegisterBronzeStorageBackendWrongParameters,$Command"
    }

    It 'a type that is not in the assembly is TypeNotFound' {
        $id = Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -AssemblyPath $CoreDll -TypeName 'Contoso.NoSuchBackend' }
        $id | Should -Be "RegisterBronzeStorageBackendTypeNotFound,$Command"
    }

    It 'wrong types are NotAStorageBackend, TypeIsAbstract and NoSuitableConstructor' {
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -AssemblyPath $CoreDll -TypeName 'MedallionFoundry.Config.PlatformConfig' } |
            Should -Be "RegisterBronzeStorageBackendNotAStorageBackend,$Command"
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -AssemblyPath $CoreDll -TypeName 'MedallionFoundry.Storage.StorageBackend' } |
            Should -Be "RegisterBronzeStorageBackendTypeIsAbstract,$Command"
        # LocalBackend's constructor takes a folder, not a PlatformConfig.
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -AssemblyPath $CoreDll -TypeName 'MedallionFoundry.Backends.Local.LocalBackend' } |
            Should -Be "RegisterBronzeStorageBackendNoSuitableConstructor,$Command"
    }

    It 'an assembly that does not exist is AssemblyNotFound' {
        $id = Get-RegistrationErrorId { Register-BronzeStorageBackend -Name (New-UniqueName bad) -AssemblyPath (Join-Path (New-TestFolder 'no-dll') 'nope.dll') -TypeName 'X' }
        $id | Should -Be "RegisterBronzeStorageBackendAssemblyNotFound,$Command"
    }

    It 'the name of a built-in backend is BuiltInName, in any case' {
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name local @Ops } | Should -Be "RegisterBronzeStorageBackendBuiltInName,$Command"
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name LOCAL @Ops } | Should -Be "RegisterBronzeStorageBackendBuiltInName,$Command"
        (Get-BronzeStorageBackend local).Kind | Should -Be 'BuiltIn'
    }

    It 'a name already registered is NameInUse unless -Force' {
        $name = New-UniqueName twice
        Register-BronzeStorageBackend -Name $name @Ops -Description first
        Get-RegistrationErrorId { Register-BronzeStorageBackend -Name $name @Ops } | Should -Be "RegisterBronzeStorageBackendNameInUse,$Command"
        Register-BronzeStorageBackend -Name $name @Ops -Description second -Force
        (Get-BronzeStorageBackend $name).Description | Should -Be 'second'
        Unregister-BronzeStorageBackend $name
    }
}

Describe 'A registered backend' {
    BeforeAll {
        $script:Name = New-UniqueName folder
        Register-FolderBackend $Name
        $script:Root = New-TestFolder 'custom-root'
        $script:Work = New-TestFolder 'custom-work'
    }
    AfterAll {
        Disconnect-BronzeStorage -All -ErrorAction Ignore
        Unregister-BronzeStorageBackend $Name -ErrorAction Ignore
    }

    It 'is listed by Get-BronzeStorageBackend beside the built-in ones, with its config keys' {
        $all = Get-BronzeStorageBackend
        $all.Name | Should -Contain 'local'
        $all.Name | Should -Contain $Name
        $mine = Get-BronzeStorageBackend $Name
        $mine.Kind | Should -Be 'ScriptBlock'
        $mine.RequiredKeys | Should -Be @('platform.bronze.root')
        $mine.ConfigSection | Should -Be "platform.$Name"
        (Get-BronzeStorageBackend -Custom).Name | Should -Not -Contain 'local'
    }

    It 'is selected by storage_backend in a YAML config and moves files' {
        $yaml = Join-Path $Work 'platform.yaml'
        @"
platform:
  bronze:
    storage_backend: $Name
    prefix: bronze
    root: $Root
"@ | Set-Content $yaml
        $file = New-TestFile (Join-Path $Work 'up/part-0001.bin') -Size 4096 -Seed 7

        $info = Connect-BronzeStorage -ConfigPath $yaml -PassThru
        Send-BronzeFile $file.FullName -Destination 'system=x/'
        Get-BronzeFile 'system=x/part-0001.bin' -Destination (Join-Path $Work 'down/part-0001.bin')

        $info.Backend | Should -Be $Name.ToLowerInvariant()
        (Get-BronzeFileList 'system=x/').Path | Should -Be @('system=x/part-0001.bin')
        Test-Path (Join-Path $Root 'bronze/system=x/part-0001.bin') | Should -BeTrue
        (Get-FileHash (Join-Path $Work 'down/part-0001.bin')).Hash | Should -Be (Get-FileHash $file.FullName).Hash
    }

    It 'reports a missing key config by name' {
        $yaml = Join-Path $Work 'noroot.yaml'
        "platform:`n  bronze:`n    storage_backend: $Name`n" | Set-Content $yaml
        { Connect-BronzeStorage -ConfigPath $yaml -Name noroot } | Should -Throw -ExpectedMessage '*platform.bronze.root*'
    }

    It 'turns a script not-found into GetBronzeFileNotFound' {
        Get-BronzeFile 'system=x/missing.bin' -Destination (Join-Path $Work 'missing.bin') -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'GetBronzeFileNotFound,*'
        Test-Path (Join-Path $Work 'missing.bin') | Should -BeFalse
    }

    It 'is visible inside ForEach-Object -Parallel' {
        $manifest = Join-Path (Get-Module MedallionFoundry).ModuleBase 'MedallionFoundry.psd1'
        $seen = 1..3 | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:manifest
            (Get-BronzeStorageBackend -Name $using:Name).Name
        }
        $seen | Should -Be @($Name, $Name, $Name)
    }

    It 'can be unregistered; -WhatIf keeps it, and then the name is unknown to config' {
        $other = New-UniqueName gone
        Register-FolderBackend $other
        Unregister-BronzeStorageBackend $other -WhatIf
        (Get-BronzeStorageBackend $other).Name | Should -Be $other
        Unregister-BronzeStorageBackend $other
        Get-BronzeStorageBackend $other -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $yaml = Join-Path $Work 'gone.yaml'
        "platform:`n  bronze:`n    storage_backend: $other`n    root: $Root`n" | Set-Content $yaml
        $err = $null
        try { Connect-BronzeStorage -ConfigPath $yaml -Name gone } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'ConnectBronzeStorageInvalidConfiguration,*'
        $err.Exception.Message | Should -BeLike "*$other*Available backends:*local*"
    }

    It 'cannot unregister a built-in backend' {
        Unregister-BronzeStorageBackend local -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'UnregisterBronzeStorageBackendBuiltIn,*'
    }
}

Describe 'A recording backend injected into a Send-BronzeFile pipeline (the seed''s mock backend)' {
    BeforeAll {
        # Scripts run in the backend's own runspaces, so they record into a process-wide queue.
        $script:Recorded = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        [AppDomain]::CurrentDomain.SetData('MedallionFoundry.Tests.Recorded', $Recorded)
        $script:RecorderName = New-UniqueName recorder
        Register-BronzeStorageBackend -Name $RecorderName -Upload {
            param($LocalPath, $Key, $Config)
            $size = (Get-Item -LiteralPath $LocalPath).Length
            [AppDomain]::CurrentDomain.GetData('MedallionFoundry.Tests.Recorded').Enqueue("$Key|$size")
        } -Download { param($Key, $LocalPath, $Config) throw [System.Management.Automation.ItemNotFoundException]::new($Key) } `
          -List { param($Prefix, $Recursive, $Config) } -Delete { param($Key, $Config) }
    }
    AfterAll {
        Disconnect-BronzeStorage -Name recorder -ErrorAction Ignore
        Unregister-BronzeStorageBackend $RecorderName
    }

    It 'records exactly the uploads the pipeline made' {
        $folder = New-TestFolder 'recorded'
        foreach ($i in 1..5) { New-TestFile (Join-Path $folder "part-000$i.csv") -Size (100 * $i) -Seed $i | Out-Null }
        New-Item -ItemType Directory (Join-Path $folder 'subfolder') | Out-Null

        Connect-BronzeStorage -Backend $RecorderName -Prefix landing -Name recorder
        Get-ChildItem $folder -File | Send-BronzeFile -Destination 'system=api/table=users/dt=2025-01-01/' -ThrottleLimit 3

        $expected = 1..5 | ForEach-Object { "landing/system=api/table=users/dt=2025-01-01/part-000$_.csv|$(100 * $_)" }
        @($Recorded.ToArray() | Sort-Object) | Should -Be @($expected)
    }
}

Describe 'docs/extending.md' {
    It 'runs as written in a fresh pwsh with the built module' {
        $doc = Get-Content (Join-Path $PSScriptRoot '../../docs/extending.md')
        $work = New-TestFolder 'extending-doc'
        $script = [Text.StringBuilder]::new()
        [void]$script.AppendLine('$ErrorActionPreference = ''Stop''')
        $fileName = $null; $block = $null; $blocks = 0
        foreach ($line in $doc) {
            if ($null -ne $block) {
                if ($line -eq '```') {
                    if ($fileName) { Set-Content -LiteralPath (Join-Path $work $fileName) -Value ($block -join "`n") }
                    elseif ($language -eq 'powershell') { [void]$script.AppendLine($block -join "`n"); $blocks++ }
                    $block = $null; $fileName = $null
                }
                else { $block.Add($line) }
            }
            elseif ($line -match '^<!-- file: (.+) -->$') { $fileName = $Matches[1] }
            elseif ($line -match '^```(\w+)$') { $language = $Matches[1]; $block = [Collections.Generic.List[string]]::new() }
        }
        $runner = Join-Path $work 'run-extending.ps1'
        Set-Content $runner $script.ToString()

        $moduleRoot = Split-Path (Get-Module MedallionFoundry).ModuleBase
        $saved = $env:PSModulePath
        $env:PSModulePath = $moduleRoot + [IO.Path]::PathSeparator + $saved
        Push-Location $work
        try { $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $runner 2>&1 | Out-String }
        finally { Pop-Location; $env:PSModulePath = $saved }

        $blocks | Should -BeGreaterThan 5
        $LASTEXITCODE | Should -Be 0 -Because $output
        $output | Should -Match '2,grace'
        $output | Should -Match 'hello from the vault'
        $output | Should -Match 'RegisterBronzeStorageBackendWrongParameters'
        Test-Path (Join-Path $work 'ShareBackend.dll') | Should -BeTrue
    }
}

Describe 'Custom backends sit behind the same resilience layer' {
    AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'retries a transient failure of a script backend and shows the retry with -Verbose' {
        $name = New-UniqueName flaky
        $root = New-TestFolder 'flaky'
        # Fails the first two uploads with a timeout (transient), then stores the file.
        Register-BronzeStorageBackend -Name $name -RequiredKey root -Upload {
            param($LocalPath, $Key, $Config)
            $counter = Join-Path $Config.root '.attempts'
            $n = 1 + [int](Get-Content $counter -ErrorAction Ignore)
            Set-Content $counter $n
            if ($n -le 2) { throw [TimeoutException]::new("simulated timeout $n") }
            Copy-Item -LiteralPath $LocalPath -Destination (Join-Path $Config.root ($Key -replace '/', '_'))
        } -Download { param($Key, $LocalPath, $Config) } -List { param($Prefix, $Recursive, $Config) } -Delete { param($Key, $Config) }
        $config = Join-Path $root 'platform.yaml'
        Set-Content $config "platform:`n  bronze:`n    storage_backend: $name`n    root: $root`n    retry:`n      base_delay: 10ms`n"
        Connect-BronzeStorage -ConfigPath $config
        $file = New-TestFile (Join-Path (New-TestFolder 'flaky-src') 'one.csv')

        $verbose = Send-BronzeFile $file.FullName 'a/one.csv' -Verbose 4>&1 | ForEach-Object Message

        @($verbose | Where-Object { $_ -like "Retrying upload 'a/one.csv' (attempt * of 4)*simulated timeout*" }).Count | Should -Be 2
        Test-Path (Join-Path $root 'a_one.csv') | Should -BeTrue
        Get-Content (Join-Path $root '.attempts') | Should -Be 3
    }
}

Describe 'Connect-BronzeStorage -Path for a custom backend' {
    AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'hands the backend a full path resolved against the PowerShell location' {
        $name = New-UniqueName pathy
        $seen = Join-Path (New-TestFolder 'pathy-seen') 'path.txt'
        # The List script records the path it was given (scripts see only $Config, so the file name is written into the script).
        $list = [scriptblock]::Create("param(`$Prefix, `$Recursive, `$Config) Set-Content -LiteralPath '$seen' -Value `$Config.path")
        Register-BronzeStorageBackend -Name $name -RequiredKey path -Upload { param($LocalPath, $Key, $Config) } -Download { param($Key, $LocalPath, $Config) } -List $list -Delete { param($Key, $Config) }
        $base = New-TestFolder 'pathy-base'
        Push-Location $base
        try { Connect-BronzeStorage -Backend $name -Path ./relative/store } finally { Pop-Location }

        Get-BronzeFileList | Out-Null

        Get-Content $seen | Should -Be (Join-Path $base 'relative/store')
    }
}
