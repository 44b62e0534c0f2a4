# The declared option table as a user meets it: typos caught with a suggestion, framework keys accepted,
# parameters validated like YAML keys, options listed by Get-BronzeStorageBackend, secrets as SecureString.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:work = New-TestFolder 'options'
    $script:file = Join-Path $work 'platform.yaml'
    $script:InvalidId = 'ConnectBronzeStorageInvalidConfiguration,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
}

AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

Describe 'Typos in a platform config' {
    It 'refuses <Written> and suggests <Meant> with the file and line' -ForEach @(
        @{ Written = 's3_prefx'; Meant = 's3_prefix'; Yaml = "platform:`n  bronze:`n    storage_backend: s3`n    s3_bucket: b`n    s3_prefx: bronze`n"; Line = 5; Section = 'platform.bronze' }
        @{ Written = 's3_buckett'; Meant = 's3_bucket'; Yaml = "platform:`n  bronze:`n    storage_backend: s3`n    s3_buckett: b`n"; Line = 4; Section = 'platform.bronze' }
        @{ Written = 'azure_contaner'; Meant = 'azure_container'; Yaml = "platform:`n  bronze:`n    storage_backend: azure`n    azure_contaner: c`n"; Line = 4; Section = 'platform.bronze' }
        @{ Written = 'local_pth'; Meant = 'local_path'; Yaml = "platform:`n  bronze:`n    storage_backend: local`n    local_pth: /tmp/x`n"; Line = 4; Section = 'platform.bronze' }
        @{ Written = 'max_atempts'; Meant = 'max_attempts'; Yaml = "platform:`n  bronze:`n    storage_backend: local`n    local_path: /tmp/x`n    retry:`n      max_atempts: 3`n"; Line = 6; Section = 'platform.bronze.retry' }
    ) {
        Set-Content -Path $file -Value $Yaml -NoNewline
        $err = { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be $InvalidId
        $err.Exception.Message | Should -Be "${file}:${Line}: '$Section.$Written' is not a known key; did you mean '$Meant'?"
    }

    It 'accepts the framework''s own keys under platform.bronze and lists them with -Verbose' {
        $root = New-TestFolder 'options-local'
        Set-Content -Path $file -Value "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    partitioning:`n      scheme: hive`n    output_defaults:`n      format: parquet`n"
        $verbose = Connect-BronzeStorage -ConfigPath $file -Name framework -Verbose 4>&1
        (Get-BronzeStorage -Name framework).Backend | Should -Be 'local'
        ($verbose -join "`n") | Should -BeLike "*'platform.bronze.partitioning (line 5)' is not one MedallionFoundry reads; ignored.*"
        ($verbose -join "`n") | Should -BeLike "*'platform.bronze.output_defaults (line 7)'*"
    }

    It 'refuses an unknown key in s3_connection' {
        Set-Content -Path $file -Value "platform:`n  bronze:`n    s3_bucket: b`n  s3_connection:`n    verify_tls: false`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*:5: 'platform.s3_connection.verify_tls' is not a known key of 'platform.s3_connection'. Known keys: *region*"
    }
}

Describe 'Parameters are validated like the YAML keys' {
    It 'refuses -CircuitBreakerThreshold 1 with the YAML message and the parameter' {
        $root = New-TestFolder 'options-breaker'
        $err = { Connect-BronzeStorage -Backend Local -Path $root -CircuitBreakerThreshold 1 } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be $InvalidId
        $err.Exception.Message | Should -Be "The key 'platform.bronze.circuit_breaker.failure_threshold' must be 0 (off) or at least 2. (given as -CircuitBreakerThreshold)"
        Set-Content -Path $file -Value "platform:`n  bronze:`n    storage_backend: local`n    local_path: $root`n    circuit_breaker:`n      failure_threshold: 1`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ExpectedMessage "*:6: The key 'platform.bronze.circuit_breaker.failure_threshold' must be 0 (off) or at least 2."
    }

    It 'refuses a max delay below the base delay from parameters, as from YAML' {
        { Connect-BronzeStorage -Backend Local -Path (New-TestFolder 'options-delay') -RetryBaseDelaySeconds 10 -RetryMaxDelaySeconds 1 } |
            Should -Throw -ErrorId $InvalidId -ExpectedMessage "*'platform.bronze.retry.max_delay' must not be smaller than base_delay. (given as -RetryMaxDelaySeconds)"
    }

    It 'refuses -<Parameter> with -Backend Local instead of dropping it' -ForEach @(
        @{ Parameter = 'Bucket'; Value = 'b' }
        @{ Parameter = 'Container'; Value = 'c' }
        @{ Parameter = 'Prefix'; Value = 'p' }
    ) {
        $arguments = @{ Backend = 'Local'; Path = (New-TestFolder 'options-na'); $Parameter = $Value }
        $err = { Connect-BronzeStorage @arguments } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'ConnectBronzeStorageParameterNotApplicable,MedallionFoundry.Commands.ConnectBronzeStorageCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "The parameter -$Parameter does not apply to the 'local' backend. Its parameters: -Path, *"
    }

    It 'names -Bucket when S3 is chosen without one' {
        { Connect-BronzeStorage -Backend S3 -EndpointUrl http://127.0.0.1:9 } |
            Should -Throw -ErrorId $InvalidId -ExpectedMessage "The key 'platform.bronze.s3_bucket' is required. Give -Bucket."
    }
}

Describe 'Get-BronzeStorageBackend shows the option table' {
    It 'lists every <Backend> option with its key, section, type, default, parameter and description' -ForEach @(
        @{ Backend = 's3'; Key = 's3_bucket'; Section = 'platform.bronze'; Type = 'String'; Default = 'required'; Parameter = '-Bucket'; Required = $true; Sensitive = $false }
        @{ Backend = 's3'; Key = 'part_size'; Section = 'platform.s3_connection'; Type = 'Size'; Default = '16MiB, grown with the file'; Parameter = ''; Required = $false; Sensitive = $false }
        @{ Backend = 's3'; Key = 'secret_key_env'; Section = 'platform.s3_connection'; Type = 'EnvVarName'; Default = 'none'; Parameter = '-Credential'; Required = $false; Sensitive = $true }
        @{ Backend = 'azure'; Key = 'connection_string_env'; Section = 'platform.azure_connection'; Type = 'EnvVarName'; Default = 'none'; Parameter = '-ConnectionString'; Required = $false; Sensitive = $true }
        @{ Backend = 'local'; Key = 'max_attempts'; Section = 'platform.bronze.retry'; Type = 'Int'; Default = '4'; Parameter = '-MaxAttempts'; Required = $false; Sensitive = $false }
    ) {
        $options = Get-BronzeStorageBackend $Backend | Select-Object -ExpandProperty Options
        $option = $options | Where-Object { $_.Key -eq $Key -and $_.Section -eq $Section }
        $option | Should -HaveCount 1
        $option.Type | Should -Be $Type
        $option.Default | Should -Be $Default
        $option.Parameter | Should -Be $Parameter
        $option.Required | Should -Be $Required
        $option.Sensitive | Should -Be $Sensitive
        $option.Description | Should -Not -BeNullOrEmpty
    }
}

Describe 'YAML bombs' {
    It 'fails on 40,000 nested [ in a fresh pwsh instead of crashing it' {
        $deep = Join-Path $work 'deep.yaml'
        Set-Content -Path $deep -Value ("platform:`n  bronze:`n    storage_backend: local`n    x: " + ('[' * 40000) + (']' * 40000) + "`n")
        $result = Invoke-ChildPwsh "Import-Module '$script:ModuleManifest'; try { Connect-BronzeStorage -ConfigPath '$deep' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }; 'still alive'"
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -BeLike "*ConnectBronzeStorageInvalidConfiguration*"
        $result.Output | Should -BeLike "*deep.yaml:4: The file nests mappings or lists deeper than 64 levels.*"
        $result.Output | Should -BeLike '*still alive*'
    }

    It 'fails on a billion laughs within seconds' {
        $bomb = Join-Path $work 'bomb.yaml'
        $lines = @("platform:", "  bronze:", "    storage_backend: local", "    local_path: /tmp/x", "    a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]")
        foreach ($i in 1..9) { $lines += "    a${i}: &a$i [" + ((1..10 | ForEach-Object { "*a$($i - 1)" }) -join ', ') + "]" }
        Set-Content -Path $bomb -Value $lines
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Connect-BronzeStorage -ConfigPath $bomb } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*bomb.yaml:*more than 100000 values through its aliases*"
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
    }
}

Describe 'Secrets given as parameters' {
    BeforeAll {
        $script:ConnectionString = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'
        $script:AccountKey = Get-RequiredTestVariable 'MF_TEST_AZURE_KEY'
        $script:Endpoint = Get-RequiredTestVariable 'MF_TEST_AZURE_BLOB_ENDPOINT'
    }

    It 'accepts -<Parameter> as a <Form> and round-trips a file' -ForEach @(
        @{ Parameter = 'ConnectionString'; Form = 'SecureString' }
        @{ Parameter = 'ConnectionString'; Form = 'PSCredential' }
        @{ Parameter = 'ConnectionString'; Form = 'String' }
        @{ Parameter = 'AccountKey'; Form = 'SecureString' }
    ) {
        $plain = if ($Parameter -eq 'AccountKey') { $AccountKey } else { $ConnectionString }
        $secret = switch ($Form) {
            'SecureString' { ConvertTo-SecureString $plain -AsPlainText -Force }
            'PSCredential' { [pscredential]::new('unused', (ConvertTo-SecureString $plain -AsPlainText -Force)) }
            default { $plain }
        }
        $container = "mf-options-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
        $arguments = @{ Backend = 'Azure'; Container = $container; CreateContainer = $true; Name = 'secure'; $Parameter = $secret }
        if ($Parameter -eq 'AccountKey') { $arguments.Account = 'devstoreaccount1'; $arguments.AccountUrl = $Endpoint }
        Connect-BronzeStorage @arguments
        $file = New-TestFile (Join-Path $work "$Parameter-$Form/a.bin") -Size 2048 -Seed 4
        Send-BronzeFile $file.FullName 'a.bin' -Connection secure
        $back = Join-Path $work "$Parameter-$Form-back/a.bin"
        Get-BronzeFile 'a.bin' -Destination $back -Connection secure | Out-Null
        (Get-FileHash $back).Hash | Should -Be (Get-FileHash $file.FullName).Hash
        (Get-BronzeStorage -Name secure | Format-List * | Out-String) | Should -Not -BeLike "*$plain*"
    }

    It 'refuses a malformed connection string, naming the parameter but never the value' {
        $err = { Connect-BronzeStorage -Backend Azure -Container bronze -ConnectionString (ConvertTo-SecureString 'AccountName=x;AccountKey=MfNotBase64!!;Garbage' -AsPlainText -Force) } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be $InvalidId
        $err.Exception.Message | Should -BeLike "*'platform.azure_connection.connection_string_env'*the value of -ConnectionString is not a valid Azure Storage connection string*"
        ($err | Format-List * -Force | Out-String) + $err.Exception.ToString() | Should -Not -BeLike '*MfNotBase64*'
    }
}

Describe 'Custom backends declare options the same way' {
    BeforeAll {
        $script:vault = "vault$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $script:seen = Join-Path $work 'vault-config.xml'
        $list = [scriptblock]::Create(@"
param(`$Prefix, `$Recursive, `$Config)
`$Config | Export-Clixml -LiteralPath '$seen'
if (`$Config.mode -eq 'fail') { throw "vault refused token `$(`$Config.token_env)" }
"@)
        Register-BronzeStorageBackend -Name $vault -Upload { param($LocalPath, $Key, $Config) } -Download { param($Key, $LocalPath, $Config) } -List $list -Delete { param($Key, $Config) } -Option @(
            @{ Key = 'vault_url'; Required = $true; Parameter = 'VaultUrl'; Description = 'Base URL of the vault.' }
            @{ Key = 'port'; Type = 'Int'; Default = 8200; Min = 1; Max = 65535; Parameter = 'VaultPort'; Description = 'TCP port.' }
            @{ Key = 'token_env'; Type = 'EnvVarName'; Sensitive = $true; Description = 'Variable holding the token.' }
            @{ Key = 'mode'; Type = 'Enum'; Allowed = 'fast', 'safe', 'fail'; Default = 'safe'; Section = 'own'; Parameter = 'Mode' }
            @{ Key = 'wait'; Type = 'Duration'; Default = '2s'; Section = 'own' }
        )
        $script:token = "MfVaultToken$([guid]::NewGuid().ToString('N'))"
        $env:MF_VAULT_TOKEN = $token
    }
    AfterAll {
        Unregister-BronzeStorageBackend -Name $vault -ErrorAction SilentlyContinue
        Remove-Item Env:MF_VAULT_TOKEN -ErrorAction SilentlyContinue
    }

    It 'hands the script typed values with defaults applied' {
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n    vault_url: https://vault.example`n    token_env: MF_VAULT_TOKEN`n"
        Connect-BronzeStorage -ConfigPath $file -Name vault   # the check would fail first: this test is about the listing's streams
        Get-BronzeFileList -Connection vault | Out-Null
        $config = Import-Clixml $seen
        $config.port | Should -Be 8200
        $config.port | Should -BeOfType [int]
        $config.mode | Should -Be 'safe'
        $config.wait | Should -Be ([TimeSpan]::FromSeconds(2))
        $config.token_env | Should -Be $token
    }

    It 'validates them at Connect-BronzeStorage, naming the key' {
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n    vault_url: u`n    port: 70000`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*:5: The key 'platform.bronze.port' must be between 1 and 65535, not 70000."
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*The key 'platform.bronze.vault_url' is required."
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n    vault_url: u`n  ${vault}:`n    mode: slow`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*:6: The key 'platform.$vault.mode' must be one of fast, safe, fail, not 'slow'."
    }

    It 'catches a near-miss typo of a custom key' {
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n    vault_url: u`n    prot: 1`n"
        { Connect-BronzeStorage -ConfigPath $file } | Should -Throw -ErrorId $InvalidId -ExpectedMessage "*:5: 'platform.bronze.prot' is not a known key; did you mean 'port'?"
    }

    It 'makes their parameters Connect-BronzeStorage parameters, validated like the YAML keys' {
        Connect-BronzeStorage -Backend $vault -VaultUrl https://vault.example -VaultPort 8300 -Mode fast -Name vaultp
        Get-BronzeFileList -Connection vaultp | Out-Null
        $config = Import-Clixml $seen
        $config.port | Should -Be 8300
        $config.mode | Should -Be 'fast'
        { Connect-BronzeStorage -Backend $vault -VaultUrl u -VaultPort 70000 } |
            Should -Throw -ErrorId $InvalidId -ExpectedMessage "The key 'platform.bronze.port' must be between 1 and 65535, not 70000. (given as -VaultPort)"
    }

    It 'completes those parameters and their values once -Backend is given' {
        $names = (TabExpansion2 -inputScript "Connect-BronzeStorage -Backend $vault -Vault" -cursorColumn ("Connect-BronzeStorage -Backend $vault -Vault").Length).CompletionMatches.CompletionText
        $names | Should -Contain '-VaultUrl'
        $names | Should -Contain '-VaultPort'
        $line = "Connect-BronzeStorage -Backend $vault -Mode "
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Sort-Object | Should -Be @('fail', 'fast', 'safe')
        $line = 'Connect-BronzeStorage -Backend Local -Vault'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Not -Contain '-VaultUrl'
    }

    It 'lists them in Get-BronzeStorageBackend' {
        $options = (Get-BronzeStorageBackend $vault).Options
        ($options | Where-Object Key -eq 'port').Default | Should -Be '8200'
        ($options | Where-Object Key -eq 'token_env').Sensitive | Should -BeTrue
        ($options | Where-Object Key -eq 'mode').Section | Should -Be "platform.$vault"
        ($options | Where-Object Key -eq 'mode').Range | Should -Be 'fast, safe, fail'
    }

    It 'masks a sensitive value the backend puts in its own error, in every stream' {
        Set-Content $file "platform:`n  bronze:`n    storage_backend: $vault`n    vault_url: u`n    token_env: MF_VAULT_TOKEN`n  ${vault}:`n    mode: fail`n"
        Connect-BronzeStorage -ConfigPath $file -Name vault -SkipCheck   # the check would fail first: this test is about the listing's streams
        $env:TF_BUILD = 'True'
        try { $all = Get-BronzeFileList -Connection vault -Verbose -Debug -ErrorAction Continue *>&1 | Out-String -Width 500 }
        finally { Remove-Item Env:TF_BUILD }
        ($all -replace '[\s|]+', ' ') | Should -BeLike '*vault refused token REDACTED*'
        $all.Contains($token) | Should -BeFalse
    }

    It 'refuses a bad -Option with RegisterBronzeStorageBackendInvalidOption' -ForEach @(
        @{ Option = @{ Type = 'Int' }; Message = '*needs Key*' }
        @{ Option = @{ Key = 'a'; Type = 'Integer' }; Message = "*Type 'Integer'*" }
        @{ Option = @{ Key = 'a'; Typo = 1 }; Message = "*unknown field 'Typo'*" }
        @{ Option = @{ Key = 'a'; Type = 'Int'; Default = 'x' }; Message = '*default of the option*must be a whole number*' }
        @{ Option = @{ Key = 'a'; Type = 'Enum' }; Message = '*Allowed*' }
    ) {
        { Register-BronzeStorageBackend -Name "bad$([guid]::NewGuid().ToString('N').Substring(0, 6))" -Upload { param($LocalPath, $Key, $Config) } -Download { param($Key, $LocalPath, $Config) } -List { param($Prefix, $Recursive, $Config) } -Delete { param($Key, $Config) } -Option $Option } |
            Should -Throw -ErrorId 'RegisterBronzeStorageBackendInvalidOption,MedallionFoundry.Commands.RegisterBronzeStorageBackendCommand' -ExpectedMessage $Message
    }
}
